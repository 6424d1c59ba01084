import { describe, expect, it } from 'vitest';
import type { Host } from '../api/types';
import { defaultRestoreTarget, hookPolicyText, isWithinRoot, restoreVerdict } from './restorePolicy';

const host = (restore_anywhere: boolean, restore_root: string | null = '/var/lib/rm/restore'): Host =>
  ({
    id: 'h1',
    name: 'web1',
    agent_policy: restore_root === null ? null : { restore_root, restore_anywhere, hook_policy: 'allow', hook_allow: [] },
  }) as unknown as Host;

describe('isWithinRoot', () => {
  it('accepts the root and paths below it only', () => {
    expect(isWithinRoot('/var/lib/rm/restore', '/var/lib/rm/restore/')).toBe(true);
    expect(isWithinRoot('/var/lib/rm/restore/x/y', '/var/lib/rm/restore')).toBe(true);
    expect(isWithinRoot('/var/lib/rm/restore-other', '/var/lib/rm/restore')).toBe(false);
    expect(isWithinRoot('/var/lib/rm/restore/../../etc', '/var/lib/rm/restore')).toBe(false);
    expect(isWithinRoot('/', '/var/lib/rm/restore')).toBe(false);
    expect(isWithinRoot('relative', '/var')).toBe(false);
  });
});

describe('defaultRestoreTarget', () => {
  it('is a fresh directory in the restore root', () => {
    expect(defaultRestoreTarget(host(false).agent_policy, 'abcd1234')).toBe('/var/lib/rm/restore/restore-abcd1234');
    expect(defaultRestoreTarget(null, 'abcd1234')).toBe('');
  });
});

describe('restoreVerdict', () => {
  it('lets anyone restore inside the root', () => {
    expect(restoreVerdict(host(false), '/var/lib/rm/restore/a', false).kind).toBe('ok');
  });
  it('refuses operators outside the root and says what would allow it', () => {
    const v = restoreVerdict(host(true), '/', false);
    expect(v.kind).toBe('refused');
    expect(v.text).toContain('needs an admin');
  });
  it('needs the host consent for admins', () => {
    expect(restoreVerdict(host(false), '/etc', true)).toMatchObject({ kind: 'refused' });
    expect(restoreVerdict(host(false), '/etc', true).text).toContain('--allow-restore-anywhere');
    expect(restoreVerdict(host(true), '/etc', true).kind).toBe('needs-admin');
  });
  it('refuses a host that never reported its root', () => {
    expect(restoreVerdict(host(false, null), '/x', true).kind).toBe('refused');
  });
});

describe('hookPolicyText', () => {
  it('names the allowed programs', () => {
    expect(hookPolicyText({ restore_root: '/r', restore_anywhere: false, hook_policy: 'allowlist', hook_allow: ['/usr/bin/a'] })).toBe(
      'runs only /usr/bin/a',
    );
    expect(hookPolicyText(null)).toBe('not reported');
  });
});
