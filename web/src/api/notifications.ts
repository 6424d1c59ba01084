// Typed calls for the notification channel routes (docs/api-contract.md "Notification channels").

import type { ApiClient } from './client';
import type { NotificationChannel, NotificationChannelBody, NotificationDelivery, Page } from './types';

const base = '/notification-channels';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

/** GET /notification-channels, every page. */
export function listChannels(api: ApiClient): Promise<NotificationChannel[]> {
  return api.getAll<NotificationChannel>(base);
}

/** GET /notification-channels/{id}. */
export function getChannel(api: ApiClient, id: string, signal?: AbortSignal): Promise<NotificationChannel> {
  return api.get<NotificationChannel>(one(id), undefined, signal);
}

/** POST /notification-channels (admin). */
export function createChannel(api: ApiClient, body: NotificationChannelBody): Promise<NotificationChannel> {
  return api.post<NotificationChannel>(base, body);
}

/** PATCH /notification-channels/{id} (admin): only the fields given change; secrets only when typed. */
export function updateChannel(api: ApiClient, id: string, body: NotificationChannelBody): Promise<NotificationChannel> {
  return api.patch<NotificationChannel>(one(id), body);
}

/** DELETE /notification-channels/{id} (admin). */
export function deleteChannel(api: ApiClient, id: string): Promise<void> {
  return api.del(one(id));
}

/** POST /notification-channels/{id}/test (admin): sends now, answers the delivery (sent or failed). */
export function testChannel(api: ApiClient, id: string): Promise<NotificationDelivery> {
  return api.post<NotificationDelivery>(`${one(id)}/test`);
}

/** GET /notification-channels/{id}/deliveries: the delivery log, newest first. */
export function listDeliveries(
  api: ApiClient,
  id: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<NotificationDelivery>> {
  return api.get<Page<NotificationDelivery>>(`${one(id)}/deliveries`, { limit: 20, cursor }, signal);
}
