// Every page of the app, matched in order.

import type { RouteDef } from '../lib/router';

export type RouteName =
  | 'login'
  | 'dashboard'
  | 'alerts'
  | 'alertRules'
  | 'hosts'
  | 'host'
  | 'repositories'
  | 'scheduleNew'
  | 'schedule'
  | 'jobs'
  | 'job'
  | 'snapshots'
  | 'browse'
  | 'audit'
  | 'channels'
  | 'users'
  | 'tokens'
  | 'rollouts'
  | 'account';

export const kRoutes: readonly RouteDef<RouteName>[] = [
  { name: 'login', pattern: '/login' },
  { name: 'dashboard', pattern: '/' },
  { name: 'alerts', pattern: '/alerts' },
  { name: 'alertRules', pattern: '/alerts/rules' },
  { name: 'hosts', pattern: '/hosts' },
  { name: 'host', pattern: '/hosts/:id' },
  { name: 'repositories', pattern: '/repositories' },
  { name: 'scheduleNew', pattern: '/schedules/new' },
  { name: 'schedule', pattern: '/schedules/:id' },
  { name: 'jobs', pattern: '/jobs' },
  { name: 'job', pattern: '/jobs/:id' },
  { name: 'snapshots', pattern: '/snapshots' },
  { name: 'browse', pattern: '/snapshots/:repositoryId/:snapshotId' },
  { name: 'audit', pattern: '/audit' },
  { name: 'channels', pattern: '/channels' },
  { name: 'users', pattern: '/users' },
  { name: 'tokens', pattern: '/tokens' },
  { name: 'rollouts', pattern: '/rollouts' },
  { name: 'account', pattern: '/account' },
];

/** Path of a snapshot's browse page (host and directory in the query). */
export function browsePath(repositoryId: string, snapshotId: string, hostId?: string | null, path?: string): string {
  const params = new URLSearchParams();
  if (hostId) params.set('host_id', hostId);
  if (path && path !== '/') params.set('path', path);
  const q = params.toString();
  return `/snapshots/${encodeURIComponent(repositoryId)}/${encodeURIComponent(snapshotId)}${q ? `?${q}` : ''}`;
}
