// Backup health of a host: its last successful backup against the interval of
// its enabled backup schedules.

import type { Host, Schedule } from '../api/types';

export type Health = 'green' | 'amber' | 'red' | 'no_schedule';

/**
 * The interval of one schedule, in seconds, from its upcoming fire times. Uses
 * the longest gap between consecutive fires so that, e.g., a weekdays-only
 * schedule is not flagged over a weekend. Null with fewer than two fires.
 */
export function scheduleInterval(nextFires: readonly string[]): number | null {
  const times = nextFires.map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t));
  times.sort((a, b) => a - b);
  let longest: number | null = null;
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i]! - times[i - 1]!) / 1000;
    if (gap > 0 && (longest === null || gap > longest)) longest = gap;
  }
  return longest;
}

/** Slack on top of one interval: a quarter of it, between 5 minutes and 1 hour, plus the jitter. */
export function graceSeconds(intervalSeconds: number, jitterSeconds = 0): number {
  return Math.min(3600, Math.max(300, intervalSeconds / 4)) + Math.max(0, jitterSeconds);
}

export interface HealthResult {
  health: Health;
  /** Expected interval in seconds (the most frequent enabled backup schedule), or null. */
  interval: number | null;
  /** Seconds since the last successful backup, or null for never. */
  age: number | null;
}

/**
 * green: last backup within one interval + grace; amber: within two intervals
 * (+ grace); red: older or never. Hosts without an enabled backup schedule
 * whose interval is known are "no_schedule".
 */
export function classifyHealth(host: Pick<Host, 'id' | 'last_backup_at'>, schedules: readonly Schedule[], now: number): HealthResult {
  let interval: number | null = null;
  let jitter = 0;
  for (const s of schedules) {
    if (s.host_id !== host.id || s.kind !== 'backup' || !s.enabled) continue;
    const i = scheduleInterval(s.next_fires);
    if (i === null) continue;
    if (interval === null || i < interval) {
      interval = i;
      jitter = s.jitter_seconds ?? 0;
    }
  }
  const last = host.last_backup_at ? Date.parse(host.last_backup_at) : Number.NaN;
  const age = Number.isNaN(last) ? null : Math.max(0, (now - last) / 1000);
  if (interval === null) return { health: 'no_schedule', interval: null, age };
  if (age === null) return { health: 'red', interval, age };
  const grace = graceSeconds(interval, jitter);
  if (age <= interval + grace) return { health: 'green', interval, age };
  if (age <= 2 * interval + grace) return { health: 'amber', interval, age };
  return { health: 'red', interval, age };
}

export const kHealthLabel: Record<Health, string> = {
  green: 'healthy',
  amber: 'late',
  red: 'overdue',
  no_schedule: 'no schedule',
};
