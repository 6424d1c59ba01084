import { useEffect, useState } from 'preact/hooks';
import { getServerTls, listDownloads } from '../api/server';
import type { EnrollmentToken, Host, HostMode, OfferedPackage, Page, ServerTls } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useEvent, usePaged, useReconnect, useTitle } from '../app/hooks';
import { Link, setQuery, useQuery } from '../app/navigation';
import { Badge, CopyButton, ErrorNote, FormActions, OnlineBadge, PagedList, TableHead } from '../components/ui';
import { LabelChips } from '../components/HostLabels';
import {
  addHost,
  enrollCommand,
  fleetToken,
  installCommand,
  kMaxUses,
  kRunCommand,
  parseMaxUses,
  pickAgentPackage,
  tokenForHost,
  unenrolledHostNamed,
  usesText,
} from '../lib/enroll';
import { parseLabels } from '../lib/labels';
import { formatRelative } from '../lib/format';
import { byHostName, hostBelongsOnPage, mergeLive } from '../lib/liveList';

export function HostsPage() {
  useTitle('Hosts');
  const perms = usePermissions();
  const query = useQuery();
  const q = query.get('q') ?? '';
  const selector = query.get('selector') ?? '';
  const [search, setSearch] = useState(q);
  const [selectorDraft, setSelectorDraft] = useState(selector);
  const [adding, setAdding] = useState(false);

  useEffect(() => setSearch(q), [q]);
  useEffect(() => setSelectorDraft(selector), [selector]);
  // Debounce the search box into ?q= so the address is shareable.
  useEffect(() => {
    if (search === q) return;
    const t = setTimeout(() => setQuery({ q: search.trim() || null }, { replace: true }), 250);
    return () => clearTimeout(t);
  }, [search, q]);

  const list = usePaged<Host>(
    (cursor, signal) => api.get<Page<Host>>('/hosts', { q, selector: selector || undefined, cursor, limit: 50 }, signal),
    [q, selector],
  );
  useReconnect(list.reload);
  // Keep rows current; a host made elsewhere (or by an enrolling agent) shows up where it sorts.
  useEvent<Host>('host', (host) => {
    list.setData((prev) => {
      if (!prev) return prev!;
      // The label filter is the server's to judge: under one, live events only update rows.
      const add = !selector && hostBelongsOnPage(host, prev, q, !list.hasPrev);
      const items = mergeLive(prev.items, host, { add, compare: byHostName });
      return items === prev.items ? prev : { ...prev, items };
    });
  });

  return (
    <section>
      <header class="page-head">
        <h1>Hosts</h1>
        {perms.mutate && (
          <button type="button" class="btn btn-primary" onClick={() => setAdding(true)} aria-expanded={adding}>
            Add host
          </button>
        )}
      </header>
      {adding && perms.mutate && <AddHost onClose={() => setAdding(false)} onCreated={list.reload} />}
      <div class="toolbar">
        <label class="field field-inline">
          <span>Search hosts</span>
          <input
            type="search"
            value={search}
            placeholder="name or hostname"
            onInput={(e) => setSearch(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setQuery({ q: search.trim() || null }, { replace: true });
            }}
          />
        </label>
        <form
          class="field field-inline"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery({ selector: selectorDraft.trim() || null }, { replace: true });
          }}
        >
          <label>
            <span>Labels</span>{' '}
            <input
              type="search"
              value={selectorDraft}
              placeholder="role=laptop, site!=lab"
              aria-label="Label selector"
              onInput={(e) => setSelectorDraft(e.currentTarget.value)}
            />
          </label>
        </form>
      </div>
      <PagedList
        list={list}
        empty={q || selector ? `No host matches “${[q, selector].filter((s) => s).join('” and “')}”.` : 'No hosts yet. Add one and enroll its agent.'}
      >
        {(hosts) => (
          <table class="table">
            <TableHead columns={['Name', 'Status', 'Hostname', 'Agent', 'Labels', 'Mode', 'Last seen', 'Last backup', 'Schedules']} />
            <tbody>
              {hosts.map((h) => (
                <tr key={h.id}>
                  <td>
                    <Link href={`/hosts/${h.id}`}>{h.name}</Link>
                  </td>
                  <td>
                    <OnlineBadge connected={h.connected} />
                  </td>
                  <td>{h.hostname ?? <span class="muted">not enrolled</span>}</td>
                  <td>
                    <AgentVersion host={h} />
                  </td>
                  <td>
                    <LabelChips labels={h.labels} />
                  </td>
                  <td>{h.mode === 'always_on' ? 'always on' : 'intermittent'}</td>
                  <td>{formatRelative(h.last_seen_at)}</td>
                  <td>{formatRelative(h.last_backup_at)}</td>
                  <td>
                    <VersionBadge canonical={h.schedule_version.canonical} applied={h.schedule_version.applied} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
    </section>
  );
}

/** The agent's version, flagged when it is behind the server's own (a rollout updates it). */
function AgentVersion({ host }: { host: Host }) {
  if (!host.agent_version) return <span class="muted">—</span>;
  return (
    <>
      {host.agent_version}{' '}
      {host.agent_behind && (
        <Badge tone="warn" testId={`agent-behind-${host.id}`}>
          behind
        </Badge>
      )}
    </>
  );
}

export function VersionBadge({ canonical, applied }: { canonical: number; applied: number }) {
  if (canonical === applied) return <Badge tone="ok">v{applied} applied</Badge>;
  return (
    <Badge tone="warn">
      v{canonical} pushed, v{applied} applied
    </Badge>
  );
}

function AddHost({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<HostMode>('always_on');
  const [labelsText, setLabelsText] = useState('');
  // More than one: a reusable token that enrolls that many new hosts (no host is pre-registered).
  const [hostsText, setHostsText] = useState('1');
  const [token, setToken] = useState<EnrollmentToken | null>(null);
  // A host of that name that exists but never enrolled: it can still get a token.
  const [unenrolled, setUnenrolled] = useState<Host | null>(null);
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const wanted = name.trim();
    setUnenrolled(null);
    const labels = parseLabels(labelsText);
    const uses = parseMaxUses(hostsText);
    const made = await action.run(async () => {
      if ('error' in labels) throw new Error(`Labels: ${labels.error}`);
      if ('error' in uses) throw new Error(`Hosts: ${uses.error}`);
      if (uses.maxUses > 1) return fleetToken(api, wanted, uses.maxUses, labels.labels);
      return (await addHost(api, wanted, mode, labels.labels)).token;
    });
    if (made) {
      setToken(made);
      onCreated();
      return;
    }
    if ('error' in labels || 'error' in uses) return;
    // The error (a taken name is 409) shows inline. A host of that name that never
    // enrolled (say its token was lost) can still be given a token.
    const existing = await unenrolledHostNamed(api, wanted).catch(() => null);
    if (existing && existing.name === wanted) setUnenrolled(existing);
  };
  const enrollExisting = async (host: Host) => {
    const made = await action.run(() => tokenForHost(api, host));
    if (made) setToken(made);
  };

  const [serverTls, setServerTls] = useState<ServerTls | null>(null);
  // The agent package this server offers (none when it runs from a build tree): the install command needs it.
  const [agentPackage, setAgentPackage] = useState<OfferedPackage | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    getServerTls(api, abort.signal)
      .then(setServerTls)
      .catch(() => setServerTls(null)); // the command without a pin still works against a CA-signed certificate
    listDownloads(api, abort.signal)
      .then((items) => setAgentPackage(pickAgentPackage(items)))
      .catch(() => setAgentPackage(null)); // then only the enroll command is shown
    return () => abort.abort();
  }, []);
  const fingerprint = serverTls?.fingerprint ?? null;
  const origin = window.location.origin;
  const command = token?.token ? enrollCommand(origin, token.token, fingerprint) : '';
  const install =
    token?.token && agentPackage
      ? installCommand(origin, agentPackage, token.token, { fingerprint, spkiPin: serverTls?.spki_pin ?? null })
      : '';
  return (
    <div class="card panel" role="region" aria-label="Add host">
      <h2>Add host</h2>
      {!token ? (
        <form onSubmit={submit} class="form-row">
          <label class="field">
            <span>Host name</span>
            <input
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
              placeholder="web-01"
              required
              maxLength={255}
              autoFocus
            />
          </label>
          <label class="field">
            <span>Mode</span>
            <select value={mode} onChange={(e) => setMode(e.currentTarget.value as HostMode)}>
              <option value="always_on">always on</option>
              <option value="intermittent">intermittent (laptop)</option>
            </select>
          </label>
          <label class="field">
            <span>Labels</span>
            <input
              value={labelsText}
              onInput={(e) => setLabelsText(e.currentTarget.value)}
              placeholder="role=web, site=berlin"
              data-testid="add-host-labels"
            />
          </label>
          <label class="field" title="More than one: a reusable token; each agent becomes a host named after its machine">
            <span>Hosts</span>
            <input
              type="number"
              min={1}
              max={kMaxUses}
              value={hostsText}
              onInput={(e) => setHostsText(e.currentTarget.value)}
              data-testid="add-host-uses"
            />
          </label>
          <FormActions submitLabel="Create enrollment token" pending={action.pending} onCancel={onClose} />
          <ErrorNote error={action.error} />
          {unenrolled && (
            <p>
              The host “{unenrolled.name}” exists but its agent never enrolled.{' '}
              <button type="button" class="btn btn-small" onClick={() => void enrollExisting(unenrolled)}>
                Create a token for the existing host
              </button>
            </p>
          )}
        </form>
      ) : (
        <div>
          {install && agentPackage && (
            <>
              <p>
                Run this as root on the new host (Debian or Ubuntu, with curl) to install the agent{' '}
                {agentPackage.version} ({agentPackage.architecture}) from this server, enroll it and start it (the
                token is shown only once, {usesText(token)} and expires in 24 hours):
              </p>
              <div class="command">
                <code data-testid="install-command">{install}</code>
                <CopyButton text={install} />
              </div>
              {serverTls?.spki_pin && (
                <p class="muted">
                  curl checks the server's public key against the pin; its <code>-k</code> only skips the certificate
                  authority check a self-signed certificate fails.
                </p>
              )}
              <p>Agent already installed? Enroll it only:</p>
            </>
          )}
          {!install && (
            <p>
              Run this on the host to enroll its agent (the token is shown only once, {usesText(token)} and expires in
              24 hours):
            </p>
          )}
          <div class="command">
            <code data-testid="enroll-command">{command}</code>
            <CopyButton text={command} />
          </div>
          {fingerprint && (
            <p class="muted">
              The agent pins the server's certificate <code data-testid="server-fingerprint">{fingerprint}</code>; compare
              it with the fingerprint the server logged at start.
            </p>
          )}
          <p class="muted">
            Then start the agent with <code>{kRunCommand}</code> (or its systemd unit). The host appears here once the
            agent connects.
          </p>
          <button type="button" class="btn" onClick={onClose}>
            Done
          </button>
        </div>
      )}
    </div>
  );
}
