import { describe, expect, it } from 'vitest';
import type { Job } from '../api/types';
import { durationSeries, growthSeries } from './dashboard';
import { makeJob } from '../testing/fixtures';

function job(p: Partial<Job>): Job {
  return makeJob({ id: 'j', actor_kind: 'schedule', actor_id: null, source_group_id: 'g', finished_at: '2026-01-01T00:01:00Z', ...p });
}

const name = (id: string) => id.toUpperCase();

describe('durationSeries', () => {
  it('groups succeeded backups per host in time order', () => {
    const jobs = [
      job({ finished_at: '2026-01-02T00:01:00Z', started_at: '2026-01-02T00:00:00Z' }),
      job({ finished_at: '2026-01-01T00:00:30Z', started_at: '2026-01-01T00:00:00Z' }),
      job({ host_id: 'h2', summary: { total_duration: 12.5 } }),
      job({ status: 'failed' }),
      job({ kind: 'check' }),
    ];
    const s = durationSeries(jobs, name);
    expect(s).toEqual([
      {
        name: 'H1',
        points: [
          { t: Date.parse('2026-01-01T00:00:30Z'), v: 30 },
          { t: Date.parse('2026-01-02T00:01:00Z'), v: 60 },
        ],
      },
      { name: 'H2', points: [{ t: Date.parse('2026-01-01T00:01:00Z'), v: 12.5 }] },
    ]);
  });
});

describe('growthSeries', () => {
  it('accumulates data_added per repository', () => {
    const jobs = [
      job({ finished_at: '2026-01-02T00:00:00Z', summary: { data_added: 50 } }),
      job({ finished_at: '2026-01-01T00:00:00Z', summary: { data_added: 100 } }),
      job({ repository_id: 'r2', summary: { data_added: 7 } }),
      job({ summary: null }),
      job({ status: 'failed', summary: { data_added: 1000 } }),
    ];
    const s = growthSeries(jobs, name);
    expect(s[0]).toEqual({
      name: 'R1',
      points: [
        { t: Date.parse('2026-01-01T00:00:00Z'), v: 100 },
        { t: Date.parse('2026-01-02T00:00:00Z'), v: 150 },
      ],
    });
    expect(s[1]!.points).toEqual([{ t: Date.parse('2026-01-01T00:01:00Z'), v: 7 }]);
  });
});
