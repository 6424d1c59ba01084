import { describe, expect, it } from 'vitest';
import type { Rollout, RolloutHost } from '../api/rollouts';
import { rollbackProgress, rolloutProgress, startBody, waveSummaries } from './rollouts';

function host(host_id: string, wave: number, state: RolloutHost['state'], error = ''): RolloutHost {
  return { host_id, host_name: host_id, wave, state, from_version: '', error, deadline_at: null, updated_at: '2026-12-07T18:00:00Z' };
}

function rollout(hosts: RolloutHost[]): Rollout {
  return {
    id: 'r1', version: '0.2.0', wave_size: 2, waves: 2, selector: '', state: 'failed', error: '',
    created_by: 'u', created_at: '2026-12-07T18:00:00Z', finished_at: null, hosts,
  };
}

describe('waveSummaries', () => {
  it('marks a wave with a rollback failed and leaves a skipped later wave alone', () => {
    const waves = waveSummaries(rollout([host('a', 0, 'rolled_back'), host('b', 0, 'done'), host('c', 1, 'skipped')]));
    expect(waves.map((w) => w.status)).toEqual(['failed', 'skipped']);
    expect(waves[0].counts).toEqual({ rolled_back: 1, done: 1 });
  });
  it('tells done, active and waiting waves apart', () => {
    const waves = waveSummaries(rollout([host('a', 0, 'done'), host('b', 1, 'updating'), host('c', 2, 'pending')]));
    expect(waves.map((w) => w.status)).toEqual(['done', 'active', 'waiting']);
    expect(rolloutProgress(rollout([host('a', 0, 'done'), host('b', 1, 'pending')]))).toEqual({ done: 1, total: 2 });
  });
});

describe('rollbackProgress', () => {
  it('counts the server rollback of a failed wave and ignores an agent rolling back its own update', () => {
    const own = host('a', 0, 'rolled_back', 'rolled_back: 9.0.0 exited with status 1 before it reached the server');
    expect(rollbackProgress(rollout([own, host('b', 0, 'done')]))).toBeNull();
    const waves = waveSummaries(rollout([own, host('b', 0, 'rolling_back'), host('c', 1, 'skipped')]));
    expect(waves.map((w) => w.status)).toEqual(['failed', 'skipped']);
    expect(rollbackProgress(rollout([own, host('b', 0, 'rolling_back')]))).toBe('Wave rollback: 0 rolled back, 1 rolling back.');
    const back = host('b', 0, 'rolled_back', 'rolled_back: rollout r1 failed: wave rolled back');
    const refused = host('c', 0, 'failed', 'rollback refused: nothing to roll back to: no previous version is kept');
    expect(rollbackProgress(rollout([own, back, refused]))).toBe('Wave rollback: 1 rolled back, 1 refused.');
  });
});

describe('startBody', () => {
  const draft = { version: '0.2.0', selector: '', hostIds: '', waveSize: '2' };
  it('sends a selector, ids, or neither for every host', () => {
    expect(startBody({ ...draft, selector: ' role=web ' })).toEqual({ version: '0.2.0', selector: 'role=web', wave_size: 2 });
    expect(startBody({ ...draft, hostIds: 'h1, h2 h3' })).toEqual({ version: '0.2.0', host_ids: ['h1', 'h2', 'h3'], wave_size: 2 });
    expect(startBody(draft)).toEqual({ version: '0.2.0', wave_size: 2 });
  });
  it('refuses what the server would refuse', () => {
    expect(startBody({ ...draft, version: '' })).toBe('Choose a release.');
    expect(startBody({ ...draft, waveSize: '0' })).toBe('Wave size must be 1 or more.');
    expect(startBody({ ...draft, selector: 'a=b', hostIds: 'h1' })).toBe('Give host ids or a label selector, not both.');
  });
});
