import { useState } from 'preact/hooks';
import {
  createChannel,
  deleteChannel,
  listChannels,
  listDeliveries,
  testChannel,
  updateChannel,
} from '../api/notifications';
import type { NotificationChannel, NotificationDelivery } from '../api/types';
import { kChannelKinds, kWebhookFormats } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, usePaged, useTitle } from '../app/hooks';
import {
  Badge,
  ConfirmButton,
  Empty,
  ErrorNote,
  FormActions,
  Loading,
  Options,
  Pager,
  StatusBadge,
  TableHead,
} from '../components/ui';
import { type ChannelDraft, channelBody, channelTarget, draftOf, emptyDraft } from '../lib/channelForm';
import { formatTime } from '../lib/format';

export function ChannelsPage() {
  useTitle('Channels');
  const perms = usePermissions();
  const channels = useAsync(() => listChannels(api), []);
  const [editing, setEditing] = useState<NotificationChannel | 'new' | null>(null);
  const [logOf, setLogOf] = useState<NotificationChannel | null>(null);
  const [tested, setTested] = useState<{ name: string; delivery: NotificationDelivery } | null>(null);
  const action = useAction();

  const remove = async (c: NotificationChannel) => {
    if ((await action.run(() => deleteChannel(api, c.id).then(() => true))) ?? false) channels.reload();
  };
  const toggle = async (c: NotificationChannel) => {
    if (await action.run(() => updateChannel(api, c.id, { enabled: !c.enabled }))) channels.reload();
  };
  const test = async (c: NotificationChannel) => {
    const delivery = await action.run(() => testChannel(api, c.id));
    if (delivery) setTested({ name: c.name, delivery });
  };

  return (
    <section>
      <header class="page-head">
        <h1>Notification channels</h1>
        {perms.channels && editing === null && (
          <button type="button" class="btn btn-primary" onClick={() => setEditing('new')}>
            Add channel
          </button>
        )}
      </header>
      <p class="muted">
        Alerts are delivered to every enabled channel whose routing takes them (alert kinds, host name globs, least
        severity). Healthchecks channels ping a URL when routed backups start, succeed or fail. Tokens, passwords and
        webhook URLs are stored encrypted and never shown again.
      </p>
      {perms.channels && editing !== null && (
        <ChannelForm
          key={editing === 'new' ? 'new' : editing.id}
          channel={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            channels.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ErrorNote error={channels.error ?? action.error} />
      {tested && (
        <p class="card panel" role="status" data-testid="test-result">
          Test to “{tested.name}”: <StatusBadge status={tested.delivery.state} />{' '}
          {tested.delivery.last_error && <span>{tested.delivery.last_error}</span>}
        </p>
      )}
      {channels.loading && !channels.data ? (
        <Loading />
      ) : channels.data && channels.data.length === 0 ? (
        <Empty>No channels yet.</Empty>
      ) : (
        <table class="table">
          <TableHead columns={['Name', 'Kind', 'Goes to', 'Routing', 'State', 'Actions']} />
          <tbody>
            {channels.data?.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.kind}</td>
                <td>
                  <code class="wrap">{channelTarget(c)}</code>
                </td>
                <td class="muted">{routingText(c)}</td>
                <td>
                  <Badge tone={c.enabled ? 'ok' : 'muted'}>{c.enabled ? 'enabled' : 'disabled'}</Badge>
                </td>
                <td class="nowrap">
                  <button type="button" class="btn btn-small" onClick={() => setLogOf(c)}>
                    Deliveries
                  </button>{' '}
                  {perms.channels && (
                    <>
                      <button
                        type="button"
                        class="btn btn-small"
                        disabled={action.pending}
                        aria-label={`Send a test to ${c.name}`}
                        onClick={() => void test(c)}
                      >
                        Send test
                      </button>{' '}
                      <button type="button" class="btn btn-small" onClick={() => void toggle(c)}>
                        {c.enabled ? 'Disable' : 'Enable'}
                      </button>{' '}
                      <button type="button" class="btn btn-small" aria-label={`Edit ${c.name}`} onClick={() => setEditing(c)}>
                        Edit
                      </button>{' '}
                      <ConfirmButton label="Delete" ariaLabel={`Delete ${c.name}`} onConfirm={() => void remove(c)} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {logOf && <DeliveryLog key={logOf.id} channel={logOf} />}
    </section>
  );
}

function routingText(c: NotificationChannel): string {
  const kinds = c.kind === 'healthchecks' ? 'backup pings' : c.alert_kinds.length ? c.alert_kinds.join(', ') : 'all alerts';
  const named = c.hosts.length ? c.hosts.join(', ') : '';
  const labelled = c.host_selector ? `labels ${c.host_selector}` : '';
  const hosts = [named, labelled].filter((s) => s !== '').join(' & ') || 'all hosts';
  const severity = c.kind !== 'healthchecks' && c.min_severity === 'critical' ? ', critical only' : '';
  return `${kinds} · ${hosts}${severity}`;
}

function DeliveryLog({ channel }: { channel: NotificationChannel }) {
  const log = usePaged<NotificationDelivery>((cursor, signal) => listDeliveries(api, channel.id, cursor, signal), [
    channel.id,
  ]);
  return (
    <section class="card panel" aria-label={`Deliveries of ${channel.name}`}>
      <header class="page-head">
        <h2>Deliveries of {channel.name}</h2>
        <button type="button" class="btn btn-small" onClick={() => log.reload()}>
          Refresh
        </button>
      </header>
      <ErrorNote error={log.error} />
      {log.loading && !log.data ? (
        <Loading />
      ) : log.data && log.data.items.length === 0 ? (
        <Empty>Nothing delivered yet.</Empty>
      ) : (
        <table class="table">
          <TableHead columns={['Queued', 'Event', 'State', 'Attempts', 'Sent / next try', 'Last error']} />
          <tbody>
            {log.data?.items.map((d) => (
              <tr key={d.id}>
                <td>{formatTime(d.created_at)}</td>
                <td>{d.event}</td>
                <td>
                  <StatusBadge status={d.state} />
                </td>
                <td>{d.attempts}</td>
                <td>{d.sent_at ? formatTime(d.sent_at) : d.next_attempt_at ? formatTime(d.next_attempt_at) : ''}</td>
                <td class="wrap">{d.last_error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager hasPrev={log.hasPrev} hasNext={log.hasNext} onPrev={log.prev} onNext={log.next} />
    </section>
  );
}

function ChannelForm({
  channel,
  onDone,
  onCancel,
}: {
  channel: NotificationChannel | null;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<ChannelDraft>(channel ? draftOf(channel) : emptyDraft());
  const set = <K extends keyof ChannelDraft>(key: K, value: ChannelDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const text = (key: keyof ChannelDraft) => (e: Event) => set(key, (e.currentTarget as HTMLInputElement).value as never);
  const keep = channel ? 'unchanged — type to replace' : '';
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = channelBody(draft, channel);
    const saved = await action.run(() =>
      channel ? (Object.keys(body).length ? updateChannel(api, channel.id, body) : Promise.resolve(channel)) : createChannel(api, body),
    );
    if (saved) onDone();
  };
  return (
    <form class="card panel" onSubmit={submit} aria-label={channel ? `Edit ${channel.name}` : 'Add channel'}>
      <h2>{channel ? `Edit ${channel.name}` : 'New channel'}</h2>
      <div class="grid-2">
        <label class="field">
          <span>Name</span>
          <input value={draft.name} onInput={text('name')} required autoFocus />
        </label>
        <label class="field">
          <span>Kind</span>
          <select
            value={draft.kind}
            disabled={channel !== null}
            onChange={(e) => set('kind', e.currentTarget.value as ChannelDraft['kind'])}
          >
            <Options values={kChannelKinds} />
          </select>
        </label>
      </div>
      {(draft.kind === 'webhook' || draft.kind === 'healthchecks') && (
        <label class="field">
          <span>{draft.kind === 'webhook' ? 'Webhook URL' : 'Ping URL ({schedule_id}, {schedule_name}, {host_name})'}</span>
          <input
            value={draft.url}
            onInput={text('url')}
            required={!channel}
            spellcheck={false}
            placeholder={channel ? `${channel.url_hint ?? ''} (${keep})` : 'https://…'}
          />
        </label>
      )}
      {draft.kind === 'webhook' && (
        <div class="grid-2">
          <label class="field">
            <span>Format</span>
            <select value={draft.format} onChange={(e) => set('format', e.currentTarget.value as ChannelDraft['format'])}>
              <Options values={kWebhookFormats} />
            </select>
          </label>
          <label class="field">
            <span>Extra header (optional)</span>
            <input value={draft.headerName} onInput={text('headerName')} placeholder="Authorization" />
          </label>
          <label class="field">
            <span>Header value</span>
            <input type="password" value={draft.headerValue} onInput={text('headerValue')} placeholder={keep} />
          </label>
        </div>
      )}
      {draft.kind === 'ntfy' && (
        <div class="grid-2">
          <label class="field">
            <span>Server URL</span>
            <input value={draft.serverUrl} onInput={text('serverUrl')} required spellcheck={false} />
          </label>
          <label class="field">
            <span>Topic</span>
            <input value={draft.topic} onInput={text('topic')} required />
          </label>
          <label class="field">
            <span>Priority of warnings (1–5; critical alerts use 5)</span>
            <input
              type="number"
              min={1}
              max={5}
              value={draft.priority}
              onInput={(e) => set('priority', Number(e.currentTarget.value))}
            />
          </label>
          <label class="field">
            <span>Access token (optional)</span>
            <input type="password" value={draft.token} onInput={text('token')} placeholder={keep} />
          </label>
        </div>
      )}
      {draft.kind === 'email' && (
        <div class="grid-2">
          <label class="field">
            <span>SMTP URL (smtp://host:587 or smtps://host:465)</span>
            <input value={draft.smtpUrl} onInput={text('smtpUrl')} required spellcheck={false} />
          </label>
          <label class="check">
            <input type="checkbox" checked={draft.requireTls} onChange={(e) => set('requireTls', e.currentTarget.checked)} />
            <span>Require STARTTLS (smtp://)</span>
          </label>
          <label class="field">
            <span>Username</span>
            <input value={draft.username} onInput={text('username')} autoComplete="off" />
          </label>
          <label class="field">
            <span>Password</span>
            <input
              type="password"
              autoComplete="new-password"
              value={draft.password}
              onInput={text('password')}
              placeholder={keep}
            />
          </label>
          <label class="field">
            <span>From</span>
            <input value={draft.from} onInput={text('from')} required />
          </label>
          <label class="field">
            <span>To (comma-separated)</span>
            <input value={draft.to} onInput={text('to')} required />
          </label>
        </div>
      )}
      <div class="grid-2">
        {draft.kind !== 'healthchecks' && (
          <label class="field">
            <span>Alert kinds (comma-separated; empty: all)</span>
            <input value={draft.alertKinds} onInput={text('alertKinds')} placeholder="job_failed, host_unprotected" />
          </label>
        )}
        {draft.kind === 'healthchecks' && (
          <label class="field">
            <span>Schedule ids (comma-separated; empty: all)</span>
            <input value={draft.scheduleIds} onInput={text('scheduleIds')} />
          </label>
        )}
        <label class="field">
          <span>Hosts (name globs; empty: all)</span>
          <input value={draft.hosts} onInput={text('hosts')} placeholder="web-*, db-1" />
        </label>
        <label class="field">
          <span>Hosts with labels (selector; empty: all)</span>
          <input
            value={draft.hostSelector}
            onInput={text('hostSelector')}
            placeholder="role=laptop, site!=lab"
            aria-label="Host label selector"
          />
        </label>
        {draft.kind !== 'healthchecks' && (
          <label class="field">
            <span>Least severity</span>
            <select
              value={draft.minSeverity}
              onChange={(e) => set('minSeverity', e.currentTarget.value as ChannelDraft['minSeverity'])}
            >
              <Options values={['warning', 'critical']} />
            </select>
          </label>
        )}
        <label class="check">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />
          <span>Enabled</span>
        </label>
      </div>
      <FormActions pending={action.pending} onCancel={onCancel} error={action.error} />
    </form>
  );
}
