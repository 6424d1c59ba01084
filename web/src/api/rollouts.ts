// Typed calls for agent releases and rollouts (docs/api-contract.md "Agent releases and rollouts").

import type { ApiClient } from './client';
import type { Page } from './types';

// ---------------------------------------------------------------- agent rollouts

export interface AgentRelease {
  version: string;
  os: string;
  arch: string;
  size: number;
  sha256: string;
  signature: string;
  published_at: string;
}

export interface AgentReleaseList {
  server_version: string;
  update_key: string;
  items: AgentRelease[];
}

export type RolloutState = 'running' | 'succeeded' | 'failed' | 'cancelled';
/** rolling_back: done, but its wave failed; the server asked (or will ask at its next hello) to go back. */
export type RolloutHostState = 'pending' | 'updating' | 'done' | 'failed' | 'rolled_back' | 'skipped' | 'rolling_back';

export interface RolloutHost {
  host_id: string;
  host_name: string;
  wave: number;
  state: RolloutHostState;
  from_version: string;
  error: string;
  deadline_at: string | null;
  updated_at: string;
}

export interface Rollout {
  id: string;
  version: string;
  wave_size: number;
  waves: number;
  selector: string;
  state: RolloutState;
  error: string;
  created_by: string;
  created_at: string;
  finished_at: string | null;
  hosts: RolloutHost[];
}

/** GET /agent-releases: published releases, the server's own version and its update key. */
export function listAgentReleases(api: ApiClient, signal?: AbortSignal): Promise<AgentReleaseList> {
  return api.get<AgentReleaseList>('/agent-releases', undefined, signal);
}

/** GET /rollouts: the newest rollouts with their hosts. */
export function listRollouts(api: ApiClient, signal?: AbortSignal): Promise<Page<Rollout>> {
  return api.get<Page<Rollout>>('/rollouts', undefined, signal);
}

/** What starting a rollout needs: host ids or a label selector (neither: every host). */
export interface StartRollout {
  version: string;
  host_ids?: string[];
  selector?: string;
  wave_size?: number;
}

/** POST /rollouts (admin; audited). */
export function startRollout(api: ApiClient, body: StartRollout): Promise<Rollout> {
  return api.post<Rollout>('/rollouts', body);
}

/** POST /rollouts/{id}/cancel (admin; audited): hosts not yet started are skipped. */
export function cancelRollout(api: ApiClient, id: string): Promise<Rollout> {
  return api.post<Rollout>(`/rollouts/${encodeURIComponent(id)}/cancel`);
}
