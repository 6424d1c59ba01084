// A schedule's recent windows as a row of marks, oldest to newest: each mark
// carries a symbol (✓ ! ✗ – …), its tone, and the full text (slot, group,
// outcome, reason) as its accessible name and tooltip (hover or focus).
// `compact` draws the small strip of the host page.

import type { ScheduleWindow } from '../api/types';
import { getScheduleWindows } from '../api/windows';
import { api } from '../app/context';
import { useAsync } from '../app/hooks';
import { Link } from '../app/navigation';
import { ErrorNote, Loading } from './ui';
import { chronological, summarizeWindows, summaryText, windowLabel, windowLook } from '../lib/windows';

export function WindowTimeline({
  windows,
  groupName,
  compact = false,
  testId,
}: {
  windows: readonly ScheduleWindow[];
  groupName?: (id: string) => string;
  compact?: boolean;
  testId?: string;
}) {
  if (windows.length === 0) return <span class="muted">No windows in this range.</span>;
  const summary = summaryText(summarizeWindows(windows));
  return (
    <div class={compact ? 'window-timeline window-timeline-compact' : 'window-timeline'} data-testid={testId}>
      <ol class="window-marks" aria-label={`Last ${windows.length} windows, oldest first: ${summary}`}>
        {chronological(windows).map((w) => {
          const look = windowLook(w.outcome);
          const label = windowLabel(w, groupName);
          const mark = (
            <span class={`window-mark badge-${look.tone}`} data-outcome={w.outcome} data-tip={label} aria-hidden="true">
              {look.symbol}
            </span>
          );
          return (
            <li key={`${w.schedule_id}-${w.slot}-${w.source_group_id ?? ''}`}>
              {w.job_id ? (
                <Link href={`/jobs/${w.job_id}`} title={label} aria-label={label}>
                  {mark}
                </Link>
              ) : (
                <span tabIndex={0} title={label} aria-label={label} role="img">
                  {mark}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      <span class="window-summary muted">{summary}</span>
    </div>
  );
}

/** Loads and draws the last `limit` slots of one schedule. */
export function ScheduleWindows({
  scheduleId,
  limit,
  groupName,
  compact = false,
}: {
  scheduleId: string;
  limit: number;
  groupName?: (id: string) => string;
  compact?: boolean;
}) {
  const windows = useAsync((signal) => getScheduleWindows(api, scheduleId, { limit }, signal), [scheduleId, limit]);
  if (windows.error) return <ErrorNote error={windows.error} />;
  if (!windows.data) return <Loading what="Loading windows" />;
  return (
    <WindowTimeline
      windows={windows.data.items}
      compact={compact}
      testId={`windows-${scheduleId}`}
      {...(groupName ? { groupName } : {})}
    />
  );
}
