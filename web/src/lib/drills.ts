// Restore drills and repository sizes as the pages show them: "last verified
// restore" per host from GET /drills/latest, and the size chart's series
// from GET /repositories/{id}/stats.

import type { DrillSummary, Job, LatestDrill, RepositoryStats } from '../api/types';
import type { Series } from './chart';
import { formatBytes, formatCount } from './format';

/** How a host's last drill reads: a tone for the badge and one line of text. */
export interface DrillView {
  tone: 'ok' | 'warn' | 'bad' | 'none';
  /** "verified 18 of 20 files (2 changed since, size only)". */
  text: string;
  /** When the drill finished (ISO), or null without one. */
  at: string | null;
  jobId: string | null;
}

/** A drill job's summary when it has the drill's shape, else null. */
export function drillSummary(summary: unknown): DrillSummary | null {
  if (summary === null || typeof summary !== 'object') return null;
  const s = summary as Partial<DrillSummary>;
  if (typeof s.sampled !== 'number' || typeof s.verified !== 'number') return null;
  return {
    snapshot_id: typeof s.snapshot_id === 'string' ? s.snapshot_id : '',
    sampled: s.sampled,
    verified: s.verified,
    size_only: typeof s.size_only === 'number' ? s.size_only : 0,
    mismatched: typeof s.mismatched === 'number' ? s.mismatched : 0,
    unreadable: typeof s.unreadable === 'number' ? s.unreadable : 0,
    bytes_restored: typeof s.bytes_restored === 'number' ? s.bytes_restored : 0,
    mismatched_paths: Array.isArray(s.mismatched_paths) ? s.mismatched_paths : [],
    unreadable_paths: Array.isArray(s.unreadable_paths) ? s.unreadable_paths : [],
  };
}

/**
 * The "last verified restore" of `hostId`: green when every sampled file
 * came back right, amber when some could not be restored or read (partial),
 * red when any came back different (failed, verify_mismatch) or the drill
 * itself failed; "none" when the host has no finished drill.
 */
export function lastDrillView(drills: readonly LatestDrill[], hostId: string): DrillView {
  const drill = drills.find((d) => d.host_id === hostId);
  if (!drill) return { tone: 'none', text: 'no restore drill yet', at: null, jobId: null };
  const job = drill.job;
  const s = drillSummary(job.summary);
  const at = job.finished_at;
  if (!s) {
    return { tone: 'bad', text: `drill ${job.status}${job.error ? `: ${job.error}` : ''}`, at, jobId: job.id };
  }
  const checked = s.verified + s.size_only;
  let text = `verified ${checked} of ${s.sampled} files`;
  if (s.size_only > 0) text += ` (${s.size_only} changed since, size only)`;
  if (s.mismatched > 0) text += `; ${s.mismatched} differ`;
  if (s.unreadable > 0) text += `; ${s.unreadable} unreadable`;
  if (s.sampled === 0) text = 'nothing to verify in the latest snapshot';
  const tone = s.mismatched > 0 || job.status === 'failed' ? 'bad' : s.unreadable > 0 || s.sampled === 0 ? 'warn' : 'ok';
  return { tone, text, at, jobId: job.id };
}

/** The size chart: raw (stored) bytes per repository over time, busiest series first. */
export function sizeSeries(
  byRepository: ReadonlyMap<string, readonly RepositoryStats[]>,
  repoName: (id: string) => string,
  maxSeries = 8,
): Series[] {
  return [...byRepository.entries()]
    .filter(([, rows]) => rows.length > 0)
    .sort((a, b) => b[1].length - a[1].length || repoName(a[0]).localeCompare(repoName(b[0])))
    .slice(0, maxSeries)
    .map(([id, rows]) => ({
      name: repoName(id),
      points: rows.map((r) => ({ t: Date.parse(r.at), v: r.raw_data_bytes })).sort((a, b) => a.t - b.t),
    }));
}

/** The job page's result rows for what the job's kind reports in its summary (none without one). */
export function summaryRows(job: Job): [string, string][] {
  const s = job.summary as Record<string, unknown> | null;
  if (!s) return [];
  const n = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : null);
  if (job.kind === 'drill') {
    const d = drillSummary(s);
    if (!d) return [];
    const rows: [string, string][] = [
      ['Files sampled', formatCount(d.sampled)],
      ['Verified (byte-equal to the live file)', formatCount(d.verified)],
      ['Size only (live file changed since)', formatCount(d.size_only)],
      ['Mismatched', formatCount(d.mismatched)],
      ['Unreadable', formatCount(d.unreadable)],
      ['Restored', formatBytes(d.bytes_restored)],
    ];
    if (d.mismatched_paths.length) rows.push(['Mismatched files', d.mismatched_paths.join(', ')]);
    if (d.unreadable_paths.length) rows.push(['Unreadable files', d.unreadable_paths.join(', ')]);
    return rows;
  }
  if (job.kind === 'stats') {
    const rows: [string, string][] = [
      ['Stored size', formatBytes(n('raw_data_bytes'))],
      ['Restore size (latest snapshots)', formatBytes(n('restore_size_bytes'))],
      ['Snapshots', formatCount(n('snapshots'))],
      ['Blobs', formatCount(n('blobs'))],
    ];
    if (n('uncompressed_bytes') !== null) rows.push(['Uncompressed', formatBytes(n('uncompressed_bytes'))]);
    if (n('compression_ratio') !== null) rows.push(['Compression ratio', `${(n('compression_ratio') as number).toFixed(2)}×`]);
    return rows;
  }
  return [
    ['Files new', formatCount(n('files_new'))],
    ['Files changed', formatCount(n('files_changed'))],
    ['Files unmodified', formatCount(n('files_unmodified'))],
    ['Data added', formatBytes(n('data_added'))],
    ['Processed', `${formatCount(n('total_files_processed'))} files, ${formatBytes(n('total_bytes_processed'))}`],
  ];
}
