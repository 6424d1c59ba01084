import { describe, expect, it } from 'vitest';
import type { Job, LatestDrill, RepositoryStats } from '../api/types';
import { drillSummary, lastDrillView, sizeSeries, summaryRows } from './drills';

function drillJob(over: Partial<Job>, summary: Record<string, unknown> | null): Job {
  return {
    id: 'J1',
    host_id: 'H1',
    kind: 'drill',
    status: 'succeeded',
    actor_kind: 'schedule',
    actor_id: null,
    schedule_id: 'S1',
    source_group_id: 'G1',
    repository_id: 'R1',
    scheduled_at: null,
    created_at: '2026-01-01T00:00:00Z',
    dispatched_at: null,
    started_at: null,
    finished_at: '2026-01-01T01:00:00Z',
    exit_code: 0,
    error: null,
    error_kind: null,
    snapshot_id: null,
    summary: summary as Job['summary'],
    progress: null,
    ...over,
  };
}

const kSummary = {
  snapshot_id: 'abcdef0123',
  sampled: 20,
  verified: 18,
  size_only: 2,
  mismatched: 0,
  unreadable: 0,
  bytes_restored: 1000,
  mismatched_paths: [],
  unreadable_paths: [],
};

describe('lastDrillView', () => {
  it('says when a host has no drill', () => {
    expect(lastDrillView([], 'H1')).toEqual({ tone: 'none', text: 'no restore drill yet', at: null, jobId: null });
  });

  it('is green when every sampled file verified', () => {
    const drills: LatestDrill[] = [{ host_id: 'H1', job: drillJob({}, kSummary) }];
    const view = lastDrillView(drills, 'H1');
    expect(view.tone).toBe('ok');
    expect(view.text).toBe('verified 20 of 20 files (2 changed since, size only)');
    expect(view.at).toBe('2026-01-01T01:00:00Z');
    expect(lastDrillView(drills, 'H2').tone).toBe('none');
  });

  it('is red on a mismatch and amber on unreadable files', () => {
    const bad = drillJob(
      { status: 'failed', error_kind: 'verify_mismatch' },
      { ...kSummary, verified: 17, mismatched: 1, mismatched_paths: ['/a'] },
    );
    expect(lastDrillView([{ host_id: 'H1', job: bad }], 'H1')).toMatchObject({
      tone: 'bad',
      text: 'verified 19 of 20 files (2 changed since, size only); 1 differ',
    });
    const partial = drillJob({ status: 'partial' }, { ...kSummary, verified: 17, unreadable: 1 });
    expect(lastDrillView([{ host_id: 'H1', job: partial }], 'H1').tone).toBe('warn');
  });

  it('is red when the drill failed before it could count anything', () => {
    const failed = drillJob({ status: 'failed', error: 'wrong password' }, null);
    expect(lastDrillView([{ host_id: 'H1', job: failed }], 'H1')).toMatchObject({
      tone: 'bad',
      text: 'drill failed: wrong password',
    });
  });
});

describe('drillSummary', () => {
  it('reads the drill shape and nothing else', () => {
    expect(drillSummary(kSummary)?.verified).toBe(18);
    expect(drillSummary({ data_added: 5 })).toBeNull();
    expect(drillSummary(null)).toBeNull();
  });
});

describe('sizeSeries', () => {
  const row = (at: string, raw: number): RepositoryStats => ({
    at,
    raw_data_bytes: raw,
    uncompressed_bytes: null,
    restore_size_bytes: raw * 2,
    snapshots: 1,
    blobs: 1,
    job_id: null,
  });
  it('plots the stored size over time, so a prune shows as a drop', () => {
    const series = sizeSeries(
      new Map([
        ['R1', [row('2026-01-02T00:00:00Z', 900), row('2026-01-01T00:00:00Z', 1000)]],
        ['R2', []],
      ]),
      (id) => `repo ${id}`,
    );
    expect(series).toEqual([
      {
        name: 'repo R1',
        points: [
          { t: Date.parse('2026-01-01T00:00:00Z'), v: 1000 },
          { t: Date.parse('2026-01-02T00:00:00Z'), v: 900 },
        ],
      },
    ]);
  });
});

describe('summaryRows', () => {
  it('shows what each kind reports', () => {
    expect(summaryRows(drillJob({}, null))).toEqual([]);
    const drill = summaryRows(drillJob({}, { ...kSummary, mismatched_paths: ['/a', '/b'] }));
    expect(drill[0]).toEqual(['Files sampled', '20']);
    expect(drill.at(-1)).toEqual(['Mismatched files', '/a, /b']);
    const stats = summaryRows(
      drillJob({ kind: 'stats' }, { raw_data_bytes: 2048, restore_size_bytes: 4096, snapshots: 3, blobs: 9, compression_ratio: 1.5 }),
    );
    expect(stats.map((r) => r[0])).toEqual(['Stored size', 'Restore size (latest snapshots)', 'Snapshots', 'Blobs', 'Compression ratio']);
    expect(stats.at(-1)).toEqual(['Compression ratio', '1.50×']);
    const backup = summaryRows(drillJob({ kind: 'backup' }, { files_new: 3, data_added: 10 }));
    expect(backup[0]).toEqual(['Files new', '3']);
  });
});
