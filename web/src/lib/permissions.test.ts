import { describe, expect, it } from 'vitest';
import { navFor, permissionsFor } from './permissions';

describe('permissionsFor', () => {
  it('gives viewers no mutating controls', () => {
    const p = permissionsFor('viewer');
    expect(p.mutate).toBe(false);
    expect(p.hooks).toBe(false);
    expect(p.users).toBe(false);
    expect(p.deleteHosts).toBe(false);
    expect(p.ownTokens).toBe(true);
    expect(p.actOnAlerts).toBe(false);
    expect(p.editAlertRules).toBe(false);
  });
  it('lets operators mutate but not hooks or users', () => {
    expect(permissionsFor('operator')).toEqual({
      mutate: true,
      hooks: false,
      users: false,
      deleteHosts: false,
      ownTokens: true,
      channels: false,
      actOnAlerts: true,
      editAlertRules: false,
      restoreAnywhere: false,
    });
  });
  it('lets admins do everything', () => {
    expect(Object.values(permissionsFor('admin')).every(Boolean)).toBe(true);
  });
  it('allows nothing without a role', () => {
    expect(Object.values(permissionsFor(null)).some(Boolean)).toBe(false);
  });
});

describe('navFor', () => {
  it('shows Users only to admins and API tokens to all', () => {
    const labels = (role: 'admin' | 'operator' | 'viewer') => navFor(role).map((n) => n.label);
    expect(labels('admin')).toEqual(['Dashboard', 'Alerts', 'Hosts', 'Repositories', 'Jobs', 'Snapshots', 'Audit', 'Channels', 'Rollouts', 'Users', 'API tokens']);
    expect(labels('operator')).not.toContain('Users');
    expect(labels('viewer')).toContain('API tokens');
    expect(labels('viewer')).toContain('Alerts');
  });
});
