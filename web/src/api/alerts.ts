// Typed calls for the alert routes (docs/api-contract.md "Alert", "Alert rule").

import type { ApiClient } from './client';
import type { Alert, AlertCounts, AlertKind, AlertParamValue, AlertRule, AlertState, Page } from './types';

/** Filters and paging of an alert listing (newest first by started_at). */
export interface AlertQuery {
  /** Any of these states; empty or absent: all. */
  states?: readonly AlertState[];
  kind?: AlertKind | '';
  host_id?: string;
  schedule_id?: string;
  limit?: number;
  cursor?: string | null;
}

/** How long a silence lasts: minutes from now, or until a time (RFC 3339). */
export type SilenceBody = { duration_minutes: number } | { until: string };

/** GET /alerts. */
export function listAlerts(api: ApiClient, query: AlertQuery = {}, signal?: AbortSignal): Promise<Page<Alert>> {
  const { states, ...rest } = query;
  return api.get<Page<Alert>>('/alerts', { ...rest, state: states && states.length ? states.join(',') : '' }, signal);
}

/** GET /alerts/counts: the unresolved alerts counted (the navigation badge). */
export function getAlertCounts(api: ApiClient, signal?: AbortSignal): Promise<AlertCounts> {
  return api.get<AlertCounts>('/alerts/counts', undefined, signal);
}

/** GET /alerts/{id}. */
export function getAlert(api: ApiClient, id: string, signal?: AbortSignal): Promise<Alert> {
  return api.get<Alert>(`/alerts/${encodeURIComponent(id)}`, undefined, signal);
}

/** POST /alerts/{id}/acknowledge (operator): no more reminders. */
export function acknowledgeAlert(api: ApiClient, id: string): Promise<Alert> {
  return api.post<Alert>(`/alerts/${encodeURIComponent(id)}/acknowledge`);
}

/** POST /alerts/{id}/silence (operator): no notices until the silence ends. */
export function silenceAlert(api: ApiClient, id: string, body: SilenceBody): Promise<Alert> {
  return api.post<Alert>(`/alerts/${encodeURIComponent(id)}/silence`, body);
}

/** POST /alerts/{id}/unsilence (operator): ends a silence early. */
export function unsilenceAlert(api: ApiClient, id: string): Promise<Alert> {
  return api.post<Alert>(`/alerts/${encodeURIComponent(id)}/unsilence`);
}

/** GET /alert-rules: every kind with its effective params and defaults. */
export function listAlertRules(api: ApiClient, signal?: AbortSignal): Promise<{ items: AlertRule[] }> {
  return api.get<{ items: AlertRule[] }>('/alert-rules', undefined, signal);
}

/** PUT /alert-rules/{kind} (admin): enabled and params over the kind's defaults; 400 names `params.<key>`. */
export function putAlertRule(
  api: ApiClient,
  kind: AlertKind,
  body: { enabled: boolean; params: Record<string, AlertParamValue> },
): Promise<AlertRule> {
  return api.put<AlertRule>(`/alert-rules/${encodeURIComponent(kind)}`, body);
}
