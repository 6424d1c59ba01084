import { useEffect, useState } from 'preact/hooks';
import type { EnrollmentToken, Host, Page } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useEvent, usePaged, useReconnect, useTitle } from '../app/hooks';
import { Link, setQuery, useQuery } from '../app/navigation';
import { Badge, CopyButton, Empty, ErrorNote, Loading, OnlineBadge, Pager } from '../components/ui';
import { enrollCommand, kRunCommand } from '../lib/enroll';
import { formatRelative } from '../lib/format';

export function HostsPage() {
  useTitle('Hosts');
  const perms = usePermissions();
  const q = useQuery().get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [adding, setAdding] = useState(false);

  useEffect(() => setSearch(q), [q]);
  // Debounce the search box into ?q= so the address is shareable.
  useEffect(() => {
    if (search === q) return;
    const t = setTimeout(() => setQuery({ q: search.trim() || null }, { replace: true }), 250);
    return () => clearTimeout(t);
  }, [search, q]);

  const list = usePaged<Host>((cursor, signal) => api.get<Page<Host>>('/hosts', { q, cursor, limit: 50 }, signal), [q]);
  useReconnect(list.reload);
  useEvent<Host>('host', (host) => {
    list.setData((prev) => (prev ? { ...prev, items: prev.items.map((h) => (h.id === host.id ? host : h)) } : prev!));
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
      </div>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <Empty>{q ? `No host matches “${q}”.` : 'No hosts yet. Add one and enroll its agent.'}</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Hostname</th>
              <th scope="col">Mode</th>
              <th scope="col">Last seen</th>
              <th scope="col">Last backup</th>
              <th scope="col">Schedules</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((h) => (
              <tr key={h.id}>
                <td>
                  <Link href={`/hosts/${h.id}`}>{h.name}</Link>
                </td>
                <td>
                  <OnlineBadge connected={h.connected} />
                </td>
                <td>{h.hostname ?? <span class="muted">not enrolled</span>}</td>
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
      <Pager hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
    </section>
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
  const [token, setToken] = useState<EnrollmentToken | null>(null);
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const made = await action.run(() =>
      api.post<EnrollmentToken>('/enrollment-tokens', name.trim() ? { name: name.trim() } : { name: 'enrollment' }),
    );
    if (made) {
      setToken(made);
      onCreated();
    }
  };

  const command = token?.token ? enrollCommand(window.location.origin, token.token) : '';
  return (
    <div class="card panel" role="region" aria-label="Add host">
      <h2>Add host</h2>
      {!token ? (
        <form onSubmit={submit} class="form-row">
          <label class="field">
            <span>Host name</span>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="web-01" autoFocus />
          </label>
          <div class="actions">
            <button type="submit" class="btn btn-primary" disabled={action.pending}>
              Create enrollment token
            </button>
            <button type="button" class="btn" onClick={onClose}>
              Cancel
            </button>
          </div>
          <ErrorNote error={action.error} />
        </form>
      ) : (
        <div>
          <p>Run this on the host to enroll its agent (the token is shown only once and expires in 24 hours):</p>
          <div class="command">
            <code data-testid="enroll-command">{command}</code>
            <CopyButton text={command} />
          </div>
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
