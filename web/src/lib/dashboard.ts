// Dashboard data shaping: chart series from finished backup jobs.

import type { Job } from '../api/types';
import { cumulative, type Series } from './chart';
import { jobDuration } from './jobs';

/** Backup duration (seconds) per host over time, from succeeded backup jobs. */
export function durationSeries(jobs: readonly Job[], hostName: (id: string) => string, maxSeries = 8): Series[] {
  const byHost = new Map<string, { t: number; v: number }[]>();
  for (const j of jobs) {
    if (j.kind !== 'backup' || j.status !== 'succeeded' || !j.finished_at) continue;
    const d = jobDuration(j);
    if (d === null) continue;
    const list = byHost.get(j.host_id) ?? [];
    list.push({ t: Date.parse(j.finished_at), v: d });
    byHost.set(j.host_id, list);
  }
  return [...byHost.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .slice(0, maxSeries)
    .map(([host, points]) => ({ name: hostName(host), points: points.sort((a, b) => a.t - b.t) }));
}

/** Cumulative summary.data_added of succeeded backups per repository. */
export function growthSeries(jobs: readonly Job[], repoName: (id: string) => string, maxSeries = 8): Series[] {
  const byRepo = new Map<string, { t: number; v: number }[]>();
  for (const j of jobs) {
    if (j.kind !== 'backup' || j.status !== 'succeeded' || !j.finished_at || !j.repository_id) continue;
    const added = j.summary?.data_added;
    if (typeof added !== 'number') continue;
    const list = byRepo.get(j.repository_id) ?? [];
    list.push({ t: Date.parse(j.finished_at), v: added });
    byRepo.set(j.repository_id, list);
  }
  return [...byRepo.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .slice(0, maxSeries)
    .map(([repo, points]) => ({ name: repoName(repo), points: cumulative(points) }));
}
