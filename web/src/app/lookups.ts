// Id → name lookups for hosts and repositories, loaded once per page.

import type { Host, Repository } from '../api/types';
import { api } from './context';
import { useAsync } from './hooks';

export interface Lookups {
  hosts: Host[];
  repositories: Repository[];
  hostName: (id: string | null | undefined) => string;
  repoName: (id: string | null | undefined) => string;
}

export function useLookups(): { lookups: Lookups; reload: () => void; error: unknown } {
  const state = useAsync(async () => {
    const [hosts, repositories] = await Promise.all([
      api.getAll<Host>('/hosts'),
      api.getAll<Repository>('/repositories'),
    ]);
    return { hosts, repositories };
  }, []);
  const hosts = state.data?.hosts ?? [];
  const repositories = state.data?.repositories ?? [];
  const hostById = new Map(hosts.map((h) => [h.id, h.name]));
  const repoById = new Map(repositories.map((r) => [r.id, r.name]));
  return {
    lookups: {
      hosts,
      repositories,
      hostName: (id) => (id ? (hostById.get(id) ?? id.slice(0, 8)) : '—'),
      repoName: (id) => (id ? (repoById.get(id) ?? id.slice(0, 8)) : '—'),
    },
    reload: state.reload,
    error: state.error,
  };
}
