// What each role may do in the UI; a control is rendered only when allowed.

import type { Role } from '../api/types';

export interface Permissions {
  /** Create/edit/delete hosts, repositories, groups, schedules; run, cancel, restore, initialize. */
  mutate: boolean;
  /** Set or change schedule hooks (pre/post hook, hook timeout). */
  hooks: boolean;
  /** Manage users and see everyone's tokens. */
  users: boolean;
  /** Delete hosts (admin only per the API contract). */
  deleteHosts: boolean;
  /** Create and revoke one's own API tokens (every role). */
  ownTokens: boolean;
  /** Add, change, delete and test notification channels (admin only). */
  channels: boolean;
  /** Acknowledge, silence and unsilence alerts (operators and admins). */
  actOnAlerts: boolean;
  /** Change alert rules (admin only per the API contract). */
  editAlertRules: boolean;
  /** Restore outside a host's restore root, in place included (admin only, and the host must consent). */
  restoreAnywhere: boolean;
}

export function permissionsFor(role: Role | null | undefined): Permissions {
  switch (role) {
    case 'admin':
      return { mutate: true, hooks: true, users: true, deleteHosts: true, ownTokens: true, channels: true, actOnAlerts: true, editAlertRules: true, restoreAnywhere: true };
    case 'operator':
      return { mutate: true, hooks: false, users: false, deleteHosts: false, ownTokens: true, channels: false, actOnAlerts: true, editAlertRules: false, restoreAnywhere: false };
    case 'viewer':
      return { mutate: false, hooks: false, users: false, deleteHosts: false, ownTokens: true, channels: false, actOnAlerts: false, editAlertRules: false, restoreAnywhere: false };
    default:
      return { mutate: false, hooks: false, users: false, deleteHosts: false, ownTokens: false, channels: false, actOnAlerts: false, editAlertRules: false, restoreAnywhere: false };
  }
}

export interface NavItem {
  href: string;
  label: string;
}

/** Sidebar links for a role; "Users" only for admins. "Alerts" carries the firing badge (Shell). */
export function navFor(role: Role | null | undefined): NavItem[] {
  const items: NavItem[] = [
    { href: '/', label: 'Dashboard' },
    { href: '/alerts', label: 'Alerts' },
    { href: '/hosts', label: 'Hosts' },
    { href: '/repositories', label: 'Repositories' },
    { href: '/jobs', label: 'Jobs' },
    { href: '/snapshots', label: 'Snapshots' },
    { href: '/audit', label: 'Audit' },
    { href: '/channels', label: 'Channels' },
    { href: '/rollouts', label: 'Rollouts' },
  ];
  if (permissionsFor(role).users) items.push({ href: '/users', label: 'Users' });
  items.push({ href: '/tokens', label: 'API tokens' });
  return items;
}
