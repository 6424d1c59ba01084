import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { BrowseResult, Host, Job, Repository } from '../api/types';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, useTitle } from '../app/hooks';
import { Link, navigate, setQuery, useQuery } from '../app/navigation';
import { Empty, ErrorNote, FormActions, HostOptions, Loading } from '../components/ui';
import { formatBytes, formatTime, shortId } from '../lib/format';
import { breadcrumbs, minimalSelection, normalizePath } from '../lib/paths';
import { defaultRestoreTarget, restoreVerdict } from '../lib/restorePolicy';

function browseErrorHint(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 409) return 'The host is offline; browsing needs its agent connected. Pick another online host that can reach the repository.';
  if (err.status === 403) return 'Listing goes only through a host that uses this repository (a schedule, job or snapshot of it there), and needs the operator role.';
  if (err.status === 504) return 'The agent did not answer in time. Try again.';
  return null;
}

export function BrowsePage({ repositoryId, snapshotId }: { repositoryId: string; snapshotId: string }) {
  useTitle(`Snapshot ${shortId(snapshotId)}`);
  const perms = usePermissions();
  const query = useQuery();
  const path = normalizePath(query.get('path'));
  const hosts = useAsync(() => api.getAll<Host>('/hosts'), []);
  const repo = useAsync(() => api.get<Repository>(`/repositories/${repositoryId}`), [repositoryId]);
  const hostId = query.get('host_id') ?? hosts.data?.find((h) => h.connected)?.id ?? hosts.data?.[0]?.id ?? '';
  const listing = useAsync(
    (signal) =>
      hostId && perms.mutate
        ? api.get<BrowseResult>(
            `/hosts/${hostId}/browse`,
            { repository_id: repositoryId, snapshot_id: snapshotId, path },
            signal,
          )
        : Promise.resolve(null),
    [hostId, repositoryId, snapshotId, path],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [restoring, setRestoring] = useState(false);

  const toggle = (p: string, on: boolean) => {
    setSelected((cur) => {
      const next = new Set(cur);
      if (on) next.add(p);
      else next.delete(p);
      return next;
    });
  };
  const open = (p: string) => setQuery({ path: p === '/' ? null : p });
  const entries = listing.data?.entries ?? [];
  const hostName = hosts.data?.find((h) => h.id === hostId)?.name ?? hostId;

  return (
    <section>
      <header class="page-head">
        <h1>Snapshot {shortId(snapshotId)}</h1>
        {perms.mutate && (
          <button
            type="button"
            class="btn btn-primary"
            disabled={selected.size === 0}
            aria-expanded={restoring}
            onClick={() => setRestoring(true)}
          >
            Restore selected
          </button>
        )}
      </header>
      <p class="muted">
        Repository <Link href={`/snapshots?repository_id=${repositoryId}`}>{repo.data?.name ?? repositoryId}</Link> · full id{' '}
        <code>{snapshotId}</code>
      </p>
      <div class="toolbar">
        <label class="field field-inline">
          <span>List through host</span>
          <select value={hostId} onChange={(e) => setQuery({ host_id: e.currentTarget.value })}>
            {hosts.data?.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
                {h.connected ? '' : ' (offline)'}
              </option>
            ))}
          </select>
        </label>
        {perms.mutate && <span class="muted">{selected.size} selected</span>}
        {perms.mutate && selected.size > 0 && (
          <button type="button" class="btn btn-small" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
      </div>

      {restoring && perms.mutate && (
        <RestoreForm
          repositoryId={repositoryId}
          snapshotId={snapshotId}
          paths={minimalSelection(selected)}
          hosts={hosts.data ?? []}
          defaultHost={hostId}
          onCancel={() => setRestoring(false)}
        />
      )}

      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          {breadcrumbs(path).map((c, i, all) => (
            <li key={c.path}>
              {i === all.length - 1 ? (
                <span aria-current="page">{c.label}</span>
              ) : (
                <button type="button" class="link-button" onClick={() => open(c.path)}>
                  {c.label}
                </button>
              )}
            </li>
          ))}
        </ol>
      </nav>

      {!perms.mutate && <p class="muted">Browsing a snapshot needs the operator role: its files are listed by a host's agent with the repository's password.</p>}
      <ErrorNote error={listing.error} />
      {browseErrorHint(listing.error) && <p class="muted">{browseErrorHint(listing.error)}</p>}
      {listing.loading ? (
        <Loading what={`Listing ${path} through ${hostName}`} />
      ) : !listing.data ? (
        listing.error ? null : <Empty>Choose a host to list the snapshot.</Empty>
      ) : entries.length === 0 ? (
        <Empty>This directory is empty.</Empty>
      ) : (
        <table class="table browse">
          <thead>
            <tr>
              {perms.mutate && (
                <th scope="col" class="col-check">
                  <span class="sr-only">Select</span>
                </th>
              )}
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col">Modified</th>
              <th scope="col">Mode</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.path}>
                {perms.mutate && (
                  <td class="col-check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${e.name}`}
                      checked={selected.has(e.path)}
                      onChange={(ev) => toggle(e.path, ev.currentTarget.checked)}
                    />
                  </td>
                )}
                <td>
                  <span class="entry-icon" aria-hidden="true">
                    {e.type === 'dir' ? '▸' : e.type === 'symlink' ? '↪' : '·'}
                  </span>
                  {e.type === 'dir' ? (
                    <button type="button" class="link-button entry-dir" onClick={() => open(e.path)}>
                      {e.name}
                    </button>
                  ) : (
                    <span class="entry-file">{e.name}</span>
                  )}
                </td>
                <td>{e.type}</td>
                <td class="num">{e.type === 'dir' ? '' : formatBytes(e.size ?? null)}</td>
                <td>{formatTime(e.mtime ?? null)}</td>
                <td class="mono">{e.permissions ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {listing.data?.truncated && <p class="muted">The listing was truncated; not every entry is shown.</p>}
    </section>
  );
}

function RestoreForm({
  repositoryId,
  snapshotId,
  paths,
  hosts,
  defaultHost,
  onCancel,
}: {
  repositoryId: string;
  snapshotId: string;
  paths: string[];
  hosts: Host[];
  defaultHost: string;
  onCancel: () => void;
}) {
  const perms = usePermissions();
  const [hostId, setHostId] = useState(defaultHost);
  const hostOf = (id: string) => hosts.find((h) => h.id === id);
  // The target starts in the host's restore root and follows a host change until edited.
  const [edited, setEdited] = useState(false);
  const [typed, setTyped] = useState('');
  const target = edited ? typed : defaultRestoreTarget(hostOf(hostId)?.agent_policy, shortId(snapshotId));
  const verdict = restoreVerdict(hostOf(hostId), target, perms.restoreAnywhere);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const job = await action.run(() =>
      api.post<Job>('/jobs', {
        host_id: hostId,
        kind: 'restore',
        repository_id: repositoryId,
        args: { options: { restore: { snapshot_id: snapshotId, include_paths: paths, target: target.trim() } } },
      }),
    );
    if (job) navigate(`/jobs/${job.id}`);
  };
  return (
    <form class="card panel" onSubmit={submit} aria-label="Restore">
      <h2>Restore {paths.length === 1 ? '1 item' : `${paths.length} items`}</h2>
      <ul class="plain selected-list">
        {paths.map((p) => (
          <li key={p}>
            <code>{p}</code>
          </li>
        ))}
      </ul>
      <div class="grid-2">
        <label class="field">
          <span>Target host</span>
          <select value={hostId} onChange={(e) => setHostId(e.currentTarget.value)}>
            <HostOptions hosts={hosts} />
          </select>
        </label>
        <label class="field">
          <span>Target path</span>
          <input
            value={target}
            onInput={(e) => {
              setEdited(true);
              setTyped(e.currentTarget.value);
            }}
            required
            spellcheck={false}
          />
        </label>
      </div>
      <p class="muted">Files are restored below the target path with their full original paths.</p>
      <p class={verdict.kind === 'ok' ? 'muted' : verdict.kind === 'needs-admin' ? 'info-note' : 'error-note'} role="note">
        {verdict.text}
      </p>
      <FormActions submitLabel="Start restore" pending={action.pending} onCancel={onCancel} error={action.error} />
    </form>
  );
}
