import { Link } from '../app/navigation';
import type { DrillView } from '../lib/drills';
import { formatRelative, formatTime } from '../lib/format';
import { Badge } from './ui';

/** A host's last verified restore: badge, counts and age, linking to the drill job. */
export function DrillCell({ view, now }: { view: DrillView; now: number }) {
  if (view.tone === 'none') return <span class="muted">{view.text}</span>;
  const label = view.tone === 'ok' ? 'verified' : view.tone === 'warn' ? 'partial' : 'failed';
  return (
    <span data-testid="last-drill">
      <Badge tone={view.tone}>{label}</Badge>{' '}
      {view.jobId ? <Link href={`/jobs/${view.jobId}`}>{view.text}</Link> : view.text}{' '}
      <span class="muted" title={formatTime(view.at)}>
        {formatRelative(view.at, now)}
      </span>
    </span>
  );
}
