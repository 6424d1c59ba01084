// App-wide singletons: the API client, the signed-in session and the live event hub.

import { ApiClient, ApiError, sessionTokenStore } from '../api/client';
import type { LoginResponse, MeResponse, User } from '../api/types';
import { EventHub } from '../lib/events';
import { permissionsFor, type Permissions } from '../lib/permissions';
import { navigate } from './navigation';
import { createStore, useStore } from './store';

export type SessionState =
  | { status: 'loading'; user: null }
  | { status: 'anonymous'; user: null; message?: string }
  | { status: 'authenticated'; user: User };

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

function signedIn(user: User): void {
  session.set({ status: 'authenticated', user });
  events.start();
}

/** Restores a session on page load: needs both the cookie (checked by /auth/me) and this tab's CSRF token. */
export async function boot(): Promise<void> {
  if (!api.tokens.get()) {
    signedOut();
    return;
  }
  try {
    const me = await api.get<MeResponse>('/auth/me');
    signedIn(me.user);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // onUnauthorized handled it
    session.set({ status: 'anonymous', user: null, message: 'Cannot reach the server.' });
  }
}

export async function login(username: string, password: string): Promise<void> {
  const res = await api.post<LoginResponse>('/auth/login', { username, password });
  api.tokens.set(res.csrf_token);
  signedIn(res.user);
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
