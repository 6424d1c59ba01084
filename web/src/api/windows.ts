// Typed calls for the window record routes (docs/api-contract.md "Window").

import type { ApiClient } from './client';
import type { Page, ScheduleWindow } from './types';

/** Range and paging of a windows listing; `limit` counts slots. */
export interface WindowQuery {
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | null;
}

/** GET /schedules/{id}/windows: the schedule's windows, newest slot first. */
export function getScheduleWindows(
  api: ApiClient,
  scheduleId: string,
  query: WindowQuery = {},
  signal?: AbortSignal,
): Promise<Page<ScheduleWindow>> {
  return api.get<Page<ScheduleWindow>>(`/schedules/${encodeURIComponent(scheduleId)}/windows`, { ...query }, signal);
}

/** GET /hosts/{id}/windows: the windows of all the host's schedules, newest slot first. */
export function getHostWindows(
  api: ApiClient,
  hostId: string,
  query: WindowQuery = {},
  signal?: AbortSignal,
): Promise<Page<ScheduleWindow>> {
  return api.get<Page<ScheduleWindow>>(`/hosts/${encodeURIComponent(hostId)}/windows`, { ...query }, signal);
}
