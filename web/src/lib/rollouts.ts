// Pure helpers for the Rollouts page and the host list's agent column.

import type { Rollout, RolloutHostState } from '../api/rollouts';

/** The start form as typed. */
export interface StartRolloutDraft {
  version: string;
  selector: string;
  hostIds: string;
  waveSize: string;
}

/** One wave of a rollout: its hosts counted by state. */
export interface WaveSummary {
  wave: number;
  hosts: number;
  counts: Partial<Record<RolloutHostState, number>>;
  /** done (every host done), failed (one failed, rolled back or rolling back), active (one updating), waiting, skipped. */
  status: 'done' | 'failed' | 'active' | 'waiting' | 'skipped';
}

/** The rollout's waves in order with what each host of them reached. */
export function waveSummaries(rollout: Rollout): WaveSummary[] {
  const waves: WaveSummary[] = [];
  for (const host of rollout.hosts) {
    let wave = waves.find((w) => w.wave === host.wave);
    if (!wave) {
      wave = { wave: host.wave, hosts: 0, counts: {}, status: 'waiting' };
      waves.push(wave);
    }
    wave.hosts += 1;
    wave.counts[host.state] = (wave.counts[host.state] ?? 0) + 1;
  }
  waves.sort((a, b) => a.wave - b.wave);
  for (const wave of waves) {
    const c = wave.counts;
    if ((c.failed ?? 0) + (c.rolled_back ?? 0) + (c.rolling_back ?? 0) > 0) wave.status = 'failed';
    else if ((c.updating ?? 0) > 0) wave.status = 'active';
    else if ((c.done ?? 0) === wave.hosts) wave.status = 'done';
    else if ((c.skipped ?? 0) === wave.hosts) wave.status = 'skipped';
    else wave.status = 'waiting';
  }
  return waves;
}

/** How far the rollout got: hosts done of all. */
export function rolloutProgress(rollout: Rollout): { done: number; total: number } {
  return { done: rollout.hosts.filter((h) => h.state === 'done').length, total: rollout.hosts.length };
}

/**
 * What the server's rollback of a failed wave came to, for the card: null when
 * no host of the rollout is or was rolled back by it ("rollout failed: ..."
 * errors mark the server's rollbacks; an agent's own rollback is a failure of the update).
 */
export function rollbackProgress(rollout: Rollout): string | null {
  const going = rollout.hosts.filter((h) => h.state === 'rolling_back').length;
  const back = rollout.hosts.filter((h) => h.state === 'rolled_back' && h.error.includes('wave rolled back')).length;
  const refused = rollout.hosts.filter((h) => h.state === 'failed' && h.error.startsWith('rollback refused')).length;
  if (going + back + refused === 0) return null;
  const parts = [`${back} rolled back`];
  if (going) parts.push(`${going} rolling back`);
  if (refused) parts.push(`${refused} refused`);
  return `Wave rollback: ${parts.join(', ')}.`;
}

/**
 * The POST body for a start form: a selector when one is given, else the ids
 * (comma- or blank-separated), else every host; the wave size at least 1.
 * An error text when the form cannot be sent.
 */
export function startBody(draft: StartRolloutDraft): { version: string; host_ids?: string[]; selector?: string; wave_size: number } | string {
  const version = draft.version.trim();
  if (!version) return 'Choose a release.';
  const wave = Math.floor(Number(draft.waveSize));
  if (!Number.isFinite(wave) || wave < 1) return 'Wave size must be 1 or more.';
  const selector = draft.selector.trim();
  const ids = draft.hostIds.split(/[\s,]+/).filter((id) => id);
  if (selector && ids.length) return 'Give host ids or a label selector, not both.';
  if (selector) return { version, selector, wave_size: wave };
  if (ids.length) return { version, host_ids: ids, wave_size: wave };
  return { version, wave_size: wave };
}
