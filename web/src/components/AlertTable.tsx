// Alerts as a table (alerts page, dashboard, host page), with the operator's
// actions per row: acknowledge, silence (1 h / 1 day / 1 week / until a
// time), unsilence. Each action answers the changed alert, handed to
// `onChanged`; the same change also arrives as the live `alert` event.

import { useState } from 'preact/hooks';
import { acknowledgeAlert, silenceAlert, unsilenceAlert, type SilenceBody } from '../api/alerts';
import type { Alert } from '../api/types';
import { api } from '../app/context';
import { useAction } from '../app/hooks';
import { Link } from '../app/navigation';
import { alertKindLabel, alertLinks, alertStateTone, customSilence, kSilenceChoices, severityTone } from '../lib/alerts';
import { formatRelative, formatTime } from '../lib/format';
import { Badge, ErrorNote, TableHead } from './ui';

export function AlertTable({
  alerts,
  canAct,
  onChanged,
  showResolved = true,
  testId,
}: {
  alerts: readonly Alert[];
  /** Operators and admins: the action buttons. */
  canAct: boolean;
  onChanged: (alert: Alert) => void;
  /** The "Resolved" column (lists of open alerts leave it out). */
  showResolved?: boolean;
  testId?: string;
}) {
  const now = Date.now();
  return (
    <table class="table" data-testid={testId}>
      <TableHead
        columns={[
          'Severity',
          'Alert',
          'Subject',
          'Reason',
          'State',
          'Started',
          showResolved && 'Resolved',
          canAct && { key: 'actions', label: <span class="sr-only">Actions</span> },
        ]}
      />
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id} data-alert-id={a.id}>
            <td>
              <Badge tone={severityTone(a.severity)}>{a.severity}</Badge>
            </td>
            <td>{alertKindLabel(a.kind)}</td>
            <td>
              <div>{a.subject}</div>
              <AlertLinks alert={a} />
            </td>
            <td class="detail">{a.reason}</td>
            <td>
              <AlertStateBadge alert={a} />
            </td>
            <td title={formatTime(a.started_at)}>{formatRelative(a.started_at, now)}</td>
            {showResolved && (
              <td title={formatTime(a.resolved_at)}>{a.resolved_at ? formatRelative(a.resolved_at, now) : '—'}</td>
            )}
            {canAct && (
              <td>
                <AlertActions alert={a} onChanged={onChanged} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The alert's state; a silence says until when. */
export function AlertStateBadge({ alert }: { alert: Alert }) {
  return (
    <span>
      <Badge tone={alertStateTone(alert.state)} testId="alert-state">
        {alert.state}
      </Badge>
      {alert.state === 'silenced' && alert.silenced_until && (
        <span class="muted small">
          {' '}
          until {formatTime(alert.silenced_until)}
        </span>
      )}
    </span>
  );
}

/** Links to the alert's host, schedule editor and job. */
export function AlertLinks({ alert }: { alert: Alert }) {
  const links = alertLinks(alert);
  if (links.length === 0) return null;
  return (
    <div class="alert-links">
      {links.map((l) => (
        <Link key={l.href} href={l.href} aria-label={l.what === 'host' ? `Host ${l.label}` : `${l.label} of ${alert.subject}`}>
          {l.label}
        </Link>
      ))}
    </div>
  );
}

/** Acknowledge / Silence… / Unsilence for one alert; nothing for a resolved one. */
export function AlertActions({ alert, onChanged }: { alert: Alert; onChanged: (alert: Alert) => void }) {
  const action = useAction();
  const [menu, setMenu] = useState(false);
  const [custom, setCustom] = useState('');
  const [customError, setCustomError] = useState<string | null>(null);
  if (alert.state === 'resolved') return null;

  const done = (updated: Alert | undefined) => {
    if (!updated) return;
    setMenu(false);
    setCustom('');
    setCustomError(null);
    onChanged(updated);
  };
  const silence = async (body: SilenceBody) => done(await action.run(() => silenceAlert(api, alert.id, body)));
  const silenceCustom = () => {
    const r = customSilence(custom, Date.now());
    if ('error' in r) {
      setCustomError(r.error);
      return;
    }
    void silence(r);
  };
  const canAcknowledge = !alert.acknowledged_at;

  return (
    <div>
      <div class="alert-actions">
        {canAcknowledge && (
          <button
            type="button"
            class="btn btn-small"
            disabled={action.pending}
            aria-label={`Acknowledge ${alert.subject}`}
            onClick={async () => done(await action.run(() => acknowledgeAlert(api, alert.id)))}
          >
            Acknowledge
          </button>
        )}
        {alert.state === 'silenced' ? (
          <button
            type="button"
            class="btn btn-small"
            disabled={action.pending}
            aria-label={`Unsilence ${alert.subject}`}
            onClick={async () => done(await action.run(() => unsilenceAlert(api, alert.id)))}
          >
            Unsilence
          </button>
        ) : (
          <button
            type="button"
            class="btn btn-small"
            aria-expanded={menu}
            aria-label={`Silence ${alert.subject}`}
            onClick={() => setMenu((m) => !m)}
          >
            Silence…
          </button>
        )}
      </div>
      {menu && alert.state !== 'silenced' && (
        <div class="silence-menu" role="group" aria-label={`Silence ${alert.subject} for`}>
          {kSilenceChoices.map((c) => (
            <button
              key={c.minutes}
              type="button"
              class="btn btn-small"
              disabled={action.pending}
              onClick={() => void silence({ duration_minutes: c.minutes })}
            >
              {c.label}
            </button>
          ))}
          <label class="field field-inline">
            <span>Until</span>
            <input
              type="datetime-local"
              value={custom}
              aria-invalid={customError ? true : undefined}
              onInput={(e) => {
                setCustom(e.currentTarget.value);
                setCustomError(null);
              }}
            />
          </label>
          <button type="button" class="btn btn-small" disabled={action.pending} onClick={silenceCustom}>
            Silence until then
          </button>
          {customError && (
            <small class="field-error" role="alert">
              {customError}
            </small>
          )}
        </div>
      )}
      <ErrorNote error={action.error} />
    </div>
  );
}
