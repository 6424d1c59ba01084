// Applying live (SSE) records to the page of a list a page shows, so new
// hosts and jobs appear without a reload and changed ones update in place.

import type { Host, Job } from '../api/types';

export interface LiveMergeOptions<T> {
  /** Whether a record the page does not show yet belongs on it. */
  add: boolean;
  /** The list's order for a new record; without it a new record goes first (newest-first lists). */
  compare?: (a: T, b: T) => number;
  /** Keep at most this many records (a short "latest" list). */
  max?: number;
}

/**
 * `items` with `item` applied: a record with the same id is replaced where it
 * is; a new one is inserted only when `options.add`. Answers `items` itself
 * when nothing changes (so a state update can be skipped).
 */
export function mergeLive<T extends { id: string }>(items: readonly T[], item: T, options: LiveMergeOptions<T>): T[] {
  const at = items.findIndex((x) => x.id === item.id);
  if (at >= 0) return items.map((x, i) => (i === at ? item : x));
  if (!options.add) return items as T[];
  let merged: T[];
  if (options.compare) {
    const compare = options.compare;
    const before = items.findIndex((x) => compare(item, x) < 0);
    merged = before < 0 ? [...items, item] : [...items.slice(0, before), item, ...items.slice(before)];
  } else {
    merged = [item, ...items];
  }
  return options.max !== undefined ? merged.slice(0, options.max) : merged;
}

/** The server's host order (by name). */
export function byHostName(a: Host, b: Host): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Whether a host matches the Hosts page search (`q`: case-insensitive substring of name or hostname). */
export function hostMatches(host: Host, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  return host.name.toLowerCase().includes(needle) || (host.hostname ?? '').toLowerCase().includes(needle);
}

/**
 * Whether a host the Hosts list does not show belongs on the page shown: it
 * matches the search, the page is the first, and it does not sort after the
 * last row when more pages follow (then it is on a later page).
 */
export function hostBelongsOnPage(
  host: Host,
  page: { items: readonly Host[]; next_cursor: string | null },
  q: string,
  firstPage: boolean,
): boolean {
  if (!firstPage || !hostMatches(host, q)) return false;
  const last = page.items[page.items.length - 1];
  return page.next_cursor === null || last === undefined || byHostName(host, last) < 0;
}

/** The Jobs list filters (empty string: any). */
export interface JobFilter {
  hostId: string;
  status: string;
  kind: string;
}

/** Whether a job matches the Jobs list filters. */
export function jobMatches(job: Job, filter: JobFilter): boolean {
  return (
    (!filter.hostId || job.host_id === filter.hostId) &&
    (!filter.status || job.status === filter.status) &&
    (!filter.kind || job.kind === filter.kind)
  );
}
