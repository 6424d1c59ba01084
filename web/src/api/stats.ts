// Typed calls for the repository-size series and restore drills
// (docs/api-contract.md "Repository size" and "Restore drills").

import type { ApiClient } from './client';
import type { Job, LatestDrill, RepositoryStats } from './types';

/** GET /repositories/{id}/stats: the size series, oldest first, from `since` (default: a year ago). */
export async function getRepositoryStats(
  api: ApiClient,
  repositoryId: string,
  since?: string,
  signal?: AbortSignal,
): Promise<RepositoryStats[]> {
  const page = await api.get<{ items: RepositoryStats[] }>(
    `/repositories/${encodeURIComponent(repositoryId)}/stats`,
    { since },
    signal,
  );
  return page.items;
}

/** POST /repositories/{id}/stats: measure the repository now (a queued stats job). */
export function measureRepository(api: ApiClient, repositoryId: string): Promise<Job> {
  return api.post<Job>(`/repositories/${encodeURIComponent(repositoryId)}/stats`);
}

/** GET /drills/latest: each host's last finished restore drill. */
export async function getLatestDrills(api: ApiClient, signal?: AbortSignal): Promise<LatestDrill[]> {
  const page = await api.get<{ items: LatestDrill[] }>('/drills/latest', undefined, signal);
  return page.items;
}
