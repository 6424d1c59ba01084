// App-wide singletons: the API client, the signed-in session and the live event hub.

import { ApiClient, ApiError, sessionTokenStore } from '../api/client';
import { loginWithCode } from '../api/account';
import type { LoginResponse, MeResponse, User } from '../api/types';
import { EventHub } from '../lib/events';
import { permissionsFor, type Permissions } from '../lib/permissions';
import { navigate } from './navigation';
import { createStore, useStore } from './store';

export type SessionState =
  | { status: 'loading'; user: null }
  | { status: 'anonymous'; user: null; message?: string }
  | { status: 'authenticated'; user: User; mustEnrol: boolean };

export const session = createStore<SessionState>({ status: 'loading', user: null });

export const api = new ApiClient({ tokens: sessionTokenStore() });

export const events = new EventHub({
  create: (url) => new EventSource(url, { withCredentials: true }),
  onGiveUp: async () => {
    // EventSource hides the status; ask the API whether the session still holds.
    try {
      await api.get<MeResponse>('/auth/me');
      return true;
    } catch (err) {
      return !(err instanceof ApiError && err.status === 401);
    }
  },
});

function signedOut(message?: string): void {
  events.stop();
  api.tokens.set(null);
  session.set(message ? { status: 'anonymous', user: null, message } : { status: 'anonymous', user: null });
  const { pathname, search } = window.location;
  if (pathname !== '/login') {
    const next = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname + search)}`;
    navigate(`/login${next}`, { replace: true });
  }
}

api.onUnauthorized = () => {
  if (session.get().status === 'authenticated') signedOut('Your session has ended. Please sign in again.');
  else if (session.get().status === 'loading') signedOut();
};

// `mustEnrol`: admins require TOTP and this user has none; the server
// refuses everything but enrolment, so the live event stream waits too.
function signedIn(user: User, mustEnrol: boolean): void {
  session.set({ status: 'authenticated', user, mustEnrol });
  if (mustEnrol) events.stop();
  else events.start();
}

/** Restores a session on page load: needs both the cookie (checked by /auth/me) and this tab's CSRF token. */
export async function boot(): Promise<void> {
  if (!api.tokens.get()) {
    signedOut();
    return;
  }
  try {
    const me = await api.get<MeResponse>('/auth/me');
    signedIn(me.user, me.totp_enrolment_required);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // onUnauthorized handled it
    session.set({ status: 'anonymous', user: null, message: 'Cannot reach the server.' });
  }
}

/** What a right password leads to: a session, or a second step with a TOTP code. */
export type LoginOutcome = { kind: 'signed-in' } | { kind: 'code'; challenge: string };

function started(res: LoginResponse): LoginOutcome {
  if ('challenge' in res) return { kind: 'code', challenge: res.challenge };
  api.tokens.set(res.csrf_token);
  signedIn(res.user, res.totp_enrolment_required);
  return { kind: 'signed-in' };
}

export async function login(username: string, password: string): Promise<LoginOutcome> {
  return started(await api.post<LoginResponse>('/auth/login', { username, password }));
}

/** The second step: a TOTP code (or a recovery code) for the challenge `login` answered. */
export async function loginSecondStep(challenge: string, code: string): Promise<void> {
  started(await loginWithCode(api, challenge, code));
}

/** Reloads who is signed in (after enrolling TOTP, the app opens up). */
export async function refreshSession(): Promise<void> {
  const me = await api.get<MeResponse>('/auth/me');
  signedIn(me.user, me.totp_enrolment_required);
}

export async function logout(): Promise<void> {
  try {
    await api.post('/auth/logout');
  } catch {
    // Signing out locally matters more than the server's answer.
  }
  events.stop();
  api.tokens.set(null);
  session.set({ status: 'anonymous', user: null });
  navigate('/login', { replace: true });
}

export function useSession(): SessionState {
  return useStore(session);
}

/** The signed-in user's permissions (none while signed out). */
export function usePermissions(): Permissions {
  const s = useSession();
  return permissionsFor(s.user?.role);
}

export function useUser(): User | null {
  return useSession().user;
}
