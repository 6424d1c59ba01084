// Typed calls for operator accounts (docs/api-contract.md "Authentication", "Account").

import type { ApiClient } from './client';
import type { AccountSession, AccountSettings, LoginResponse, Page, TotpEnrolment, TotpState } from './types';

/** POST /auth/login/totp: the second login step with a TOTP or recovery code. */
export function loginWithCode(api: ApiClient, challenge: string, code: string): Promise<LoginResponse> {
  return api.post<LoginResponse>('/auth/login/totp', { challenge, code });
}

/** POST /account/password: your other sessions end. */
export function changePassword(api: ApiClient, currentPassword: string, newPassword: string): Promise<void> {
  return api.post<void>('/account/password', { current_password: currentPassword, new_password: newPassword });
}

/** GET /account/sessions: your live sessions, newest first. */
export function listOwnSessions(api: ApiClient, signal?: AbortSignal): Promise<Page<AccountSession>> {
  return api.get<Page<AccountSession>>('/account/sessions', undefined, signal);
}

/** DELETE /account/sessions/{id}. */
export function revokeOwnSession(api: ApiClient, id: string): Promise<void> {
  return api.del(`/account/sessions/${encodeURIComponent(id)}`);
}

/** GET /users/{id}/sessions (admins). */
export function listUserSessions(api: ApiClient, userId: string, signal?: AbortSignal): Promise<Page<AccountSession>> {
  return api.get<Page<AccountSession>>(`/users/${encodeURIComponent(userId)}/sessions`, undefined, signal);
}

/** DELETE /users/{id}/sessions/{session_id} (admins). */
export function revokeUserSession(api: ApiClient, userId: string, sessionId: string): Promise<void> {
  return api.del(`/users/${encodeURIComponent(userId)}/sessions/${encodeURIComponent(sessionId)}`);
}

/** GET /account/totp. */
export function getTotpState(api: ApiClient, signal?: AbortSignal): Promise<TotpState> {
  return api.get<TotpState>('/account/totp', undefined, signal);
}

/** POST /account/totp/enrol: a new pending secret. */
export function startTotpEnrolment(api: ApiClient): Promise<TotpEnrolment> {
  return api.post<TotpEnrolment>('/account/totp/enrol');
}

/** POST /account/totp/confirm: enables TOTP; the recovery codes come back this once. */
export function confirmTotp(api: ApiClient, code: string): Promise<{ recovery_codes: string[] }> {
  return api.post<{ recovery_codes: string[] }>('/account/totp/confirm', { code });
}

/** POST /account/totp/disable. */
export function disableTotp(api: ApiClient, password: string, code: string): Promise<void> {
  return api.post<void>('/account/totp/disable', { password, code });
}

/** DELETE /users/{id}/totp (admins): the user enrols again. */
export function resetUserTotp(api: ApiClient, userId: string): Promise<void> {
  return api.del(`/users/${encodeURIComponent(userId)}/totp`);
}

/** GET /settings/accounts (admins). */
export function getAccountSettings(api: ApiClient, signal?: AbortSignal): Promise<AccountSettings> {
  return api.get<AccountSettings>('/settings/accounts', undefined, signal);
}

/** PUT /settings/accounts (admins). */
export function putAccountSettings(api: ApiClient, settings: { require_totp: boolean }): Promise<AccountSettings> {
  return api.put<AccountSettings>('/settings/accounts', settings);
}
