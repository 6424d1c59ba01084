import { describe, expect, it } from 'vitest';
import type { LogLine } from '../api/types';
import { displayProgress, jobDuration, mergeLogLines, runAgainRequest, statusTone } from './jobs';
import { makeJob } from '../testing/fixtures';

const job = makeJob;

function line(seq: number): LogLine {
  return { seq, stream: 'stdout', at: '2026-01-01T00:00:00Z', text: `line ${seq}` };
}

describe('runAgainRequest', () => {
  it('re-posts a backup with host, repository and group', () => {
    expect(runAgainRequest(job({}))).toEqual({
      kind: 'post_job',
      body: { host_id: 'h1', kind: 'backup', repository_id: 'r1', source_group_id: 'g1' },
    });
  });
  it('includes args when the server provided them', () => {
    const args = { options: { restore: { snapshot_id: 'abc', target: '/tmp/r' } } };
    expect(runAgainRequest(job({ kind: 'restore', source_group_id: null, args }))).toEqual({
      kind: 'post_job',
      body: { host_id: 'h1', kind: 'restore', repository_id: 'r1', args },
    });
  });
  it('runs the schedule again for a scheduled forget without args', () => {
    expect(runAgainRequest(job({ kind: 'forget', schedule_id: 's1', source_group_id: null }))).toEqual({
      kind: 'run_schedule',
      scheduleId: 's1',
    });
  });
  it('cannot repeat a restore without its args', () => {
    expect(runAgainRequest(job({ kind: 'restore', source_group_id: null })).kind).toBe('unavailable');
  });
  it('re-posts an init without group', () => {
    expect(runAgainRequest(job({ kind: 'init', source_group_id: null }))).toEqual({
      kind: 'post_job',
      body: { host_id: 'h1', kind: 'init', repository_id: 'r1' },
    });
  });
});

describe('mergeLogLines', () => {
  it('appends newer lines', () => {
    expect(mergeLogLines([line(0), line(1)], [line(2), line(3)]).map((l) => l.seq)).toEqual([0, 1, 2, 3]);
  });
  it('drops duplicates and reorders overlap', () => {
    expect(mergeLogLines([line(0), line(1), line(2)], [line(1), line(4), line(3), line(4)]).map((l) => l.seq)).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });
  it('keeps only the newest max lines', () => {
    expect(mergeLogLines([line(0), line(1)], [line(2)], 2).map((l) => l.seq)).toEqual([1, 2]);
  });
});

describe('displayProgress and jobDuration', () => {
  it('shows 100 % for a succeeded job and prefers live data', () => {
    expect(displayProgress(job({ progress: { percent_done: 0.4 } }), null).percent_done).toBe(1);
    const running = job({ status: 'running', progress: { percent_done: 0.2, files_done: 1 } });
    expect(displayProgress(running, { percent_done: 0.5 })).toEqual({ percent_done: 0.5, files_done: 1 });
  });
  it('uses a finished backup summary for files and bytes', () => {
    const done = job({ progress: { files_done: 0, total_files: 1, bytes_done: 0, total_bytes: 6 }, summary: { total_files_processed: 2, total_bytes_processed: 12 } });
    expect(displayProgress(done, null)).toMatchObject({ files_done: 2, total_files: 2, bytes_done: 12, total_bytes: 12, percent_done: 1 });
  });
  it('measures duration', () => {
    expect(jobDuration(job({}))).toBe(120);
    expect(jobDuration(job({ summary: { total_duration: 95.5 } }))).toBe(95.5);
    const now = Date.parse('2026-01-01T00:00:30Z');
    expect(jobDuration(job({ status: 'running', finished_at: null }), now)).toBe(30);
    expect(jobDuration(job({ started_at: null }))).toBeNull();
  });
  it('maps statuses to tones', () => {
    expect(statusTone('succeeded')).toBe('ok');
    expect(statusTone('failed')).toBe('bad');
    expect(statusTone('running')).toBe('info');
    expect(statusTone('queued')).toBe('muted');
  });
});
