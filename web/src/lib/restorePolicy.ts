// Where a restore may write, as the server and the target host's agent
// decide it (the agent's --restore-root and --allow-restore-anywhere, shown
// from its hello): operators inside the restore root only; anywhere else, in
// place included, needs an admin and the host's consent.

import type { AgentPolicy, Host } from '../api/types';

/** Whether `path` is `root` or lies below it (both absolute; ".." never counts as inside). */
export function isWithinRoot(path: string, root: string): boolean {
  if (!path.startsWith('/') || !root.startsWith('/')) return false;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return false;
  const norm = '/' + parts.join('/');
  const r = '/' + root.split('/').filter((p) => p !== '' && p !== '.').join('/');
  return r === '/' || norm === r || norm.startsWith(r + '/');
}

/** The target a restore form starts with: a fresh directory in the host's restore root. */
export function defaultRestoreTarget(policy: AgentPolicy | null | undefined, snapshotShortId: string): string {
  const root = policy?.restore_root;
  if (!root) return '';
  return `${root.replace(/\/+$/, '')}/restore-${snapshotShortId}`;
}

export type RestoreVerdict =
  | { kind: 'ok'; text: string }
  | { kind: 'needs-admin'; text: string }
  | { kind: 'refused'; text: string };

/** What the server will say about restoring to `target` on `host` for this caller. */
export function restoreVerdict(host: Host | undefined, target: string, isAdmin: boolean): RestoreVerdict {
  const policy = host?.agent_policy;
  const root = policy?.restore_root;
  if (!host || !root) {
    return { kind: 'refused', text: "This host's agent has not reported its restore root yet; connect it first." };
  }
  if (isWithinRoot(target.trim(), root)) {
    return { kind: 'ok', text: `Inside ${host.name}'s restore root ${root}.` };
  }
  const consent = policy.restore_anywhere
    ? `${host.name} consents to restores outside its root.`
    : `${host.name} does not consent to restores outside its root (its agent would need --allow-restore-anywhere).`;
  if (!isAdmin) {
    return {
      kind: 'refused',
      text: `Operators restore only into ${root}. A target elsewhere (in place included) needs an admin and the host's consent. ${consent}`,
    };
  }
  if (!policy.restore_anywhere) return { kind: 'refused', text: `Outside the restore root ${root}: ${consent}` };
  return {
    kind: 'needs-admin',
    text: `Outside the restore root ${root}: allowed for you as an admin because ${consent} Files are written as the agent's user.`,
  };
}

/** One line for the host page: how the agent treats hooks. */
export function hookPolicyText(policy: AgentPolicy | null | undefined): string {
  switch (policy?.hook_policy) {
    case 'allow':
      return 'runs any hook';
    case 'refuse':
      return 'refuses hooks (jobs with hooks fail)';
    case 'allowlist':
      return `runs only ${policy.hook_allow.length === 0 ? 'nothing' : policy.hook_allow.join(', ')}`;
    default:
      return 'not reported';
  }
}
