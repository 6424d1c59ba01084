// Job helpers shared by the job page, jobs list and dashboard.

import type { Job, JobProgress, LogLine } from '../api/types';
import { isTerminal } from '../api/types';
import { secondsBetween } from './format';

/** What "Run again" should do for a finished (or running) job. */
export type RunAgain =
  | { kind: 'post_job'; body: Record<string, unknown> }
  | { kind: 'run_schedule'; scheduleId: string }
  | { kind: 'unavailable'; reason: string };

/**
 * Re-POSTs the same kind/host/repository/group (and args when the server
 * returned them). Without args, a forget or check from a schedule re-runs the
 * schedule (which carries the retention/options); a restore without its args
 * cannot be repeated.
 */
export function runAgainRequest(job: Job): RunAgain {
  const body: Record<string, unknown> = { host_id: job.host_id, kind: job.kind };
  if (job.repository_id) body.repository_id = job.repository_id;
  if (job.source_group_id) body.source_group_id = job.source_group_id;
  const args = job.args && Object.keys(job.args).length > 0 ? job.args : null;
  if (args) return { kind: 'post_job', body: { ...body, args } };
  if (job.kind === 'forget' || job.kind === 'restore') {
    if (job.schedule_id && job.kind === 'forget') return { kind: 'run_schedule', scheduleId: job.schedule_id };
    return { kind: 'unavailable', reason: `this ${job.kind} job's arguments are not available to repeat it` };
  }
  if (job.schedule_id && job.kind === 'check') return { kind: 'run_schedule', scheduleId: job.schedule_id };
  return { kind: 'post_job', body };
}

/** Merges new log lines into a list ordered by seq, dropping duplicates; keeps at most `max` (newest). */
export function mergeLogLines(current: readonly LogLine[], incoming: readonly LogLine[], max = 5000): LogLine[] {
  if (incoming.length === 0) return current as LogLine[];
  const lastSeq = current.length ? current[current.length - 1]!.seq : -1;
  let merged: LogLine[];
  if (incoming.every((l) => l.seq > lastSeq)) {
    merged = [...current, ...[...incoming].sort((a, b) => a.seq - b.seq)];
  } else {
    const bySeq = new Map<number, LogLine>();
    for (const l of current) bySeq.set(l.seq, l);
    for (const l of incoming) bySeq.set(l.seq, l);
    merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  // Incoming lines may repeat one another.
  merged = merged.filter((l, i) => i === 0 || l.seq !== merged[i - 1]!.seq);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}

/** The progress to show: the job's own, completed to 100 % for a success. */
export function displayProgress(job: Job, live: Partial<JobProgress> | null): Partial<JobProgress> {
  const p = { ...(job.progress ?? {}), ...(live ?? {}) };
  if (job.status === 'succeeded') p.percent_done = 1;
  // A finished backup's summary is more accurate than its last status message.
  const s = job.summary;
  if (isTerminal(job.status) && s && typeof s.total_files_processed === 'number') {
    p.files_done = p.total_files = s.total_files_processed;
  }
  if (isTerminal(job.status) && s && typeof s.total_bytes_processed === 'number') {
    p.bytes_done = p.total_bytes = s.total_bytes_processed;
  }
  return p;
}

/** Job duration: summary's total_duration for backups, else finished − started (or now − started while running). */
export function jobDuration(job: Job, now: number = Date.now()): number | null {
  if (job.summary && typeof job.summary.total_duration === 'number' && job.summary.total_duration > 0) {
    return job.summary.total_duration;
  }
  if (!job.started_at) return null;
  if (job.finished_at) return secondsBetween(job.started_at, job.finished_at);
  if (isTerminal(job.status)) return null;
  return secondsBetween(job.started_at, new Date(now).toISOString());
}

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export function statusTone(status: string): BadgeTone {
  switch (status) {
    case 'succeeded':
      return 'ok';
    case 'partial':
    case 'interrupted':
      return 'warn';
    case 'failed':
    case 'lost':
      return 'bad';
    case 'running':
    case 'dispatched':
      return 'info';
    default:
      return 'muted';
  }
}
