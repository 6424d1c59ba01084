import type { Page, Repository, Snapshot } from '../api/types';
import { api } from '../app/context';
import { useAsync, usePaged, useTitle } from '../app/hooks';
import { useLookups } from '../app/lookups';
import { Link, setQuery, useQuery } from '../app/navigation';
import { browsePath } from '../app/routes';
import { Empty, ErrorNote, Loading, Pager } from '../components/ui';
import { formatTime } from '../lib/format';

export function SnapshotsPage() {
  useTitle('Snapshots');
  const query = useQuery();
  const repos = useAsync(() => api.getAll<Repository>('/repositories'), []);
  const { lookups } = useLookups();
  const chosen = query.get('repository_id') ?? repos.data?.[0]?.id ?? '';
  const hostId = query.get('host_id') ?? '';
  const list = usePaged<Snapshot>(
    (cursor, signal) =>
      chosen
        ? api.get<Page<Snapshot>>(`/repositories/${chosen}/snapshots`, { host_id: hostId, cursor, limit: 50 }, signal)
        : Promise.resolve({ items: [], next_cursor: null }),
    [chosen, hostId],
  );

  return (
    <section>
      <header class="page-head">
        <h1>Snapshots</h1>
      </header>
      <div class="toolbar">
        <label class="field field-inline">
          <span>Repository</span>
          <select value={chosen} onChange={(e) => setQuery({ repository_id: e.currentTarget.value })}>
            {repos.data?.length === 0 && <option value="">no repositories</option>}
            {repos.data?.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field field-inline">
          <span>Host</span>
          <select value={hostId} onChange={(e) => setQuery({ host_id: e.currentTarget.value })}>
            <option value="">all hosts</option>
            {lookups.hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={repos.error ?? list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : !chosen ? (
        <Empty>Add a repository first.</Empty>
      ) : list.data && list.data.items.length === 0 ? (
        <Empty>No snapshots indexed for this repository yet. They appear after a backup (or a snapshots job).</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Time</th>
              <th scope="col">Host</th>
              <th scope="col">Paths</th>
              <th scope="col">Tags</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((s) => (
              <tr key={s.id}>
                <td class="mono" title={s.id}>
                  {s.short_id}
                </td>
                <td>{formatTime(s.time)}</td>
                <td>{s.host_id ? lookups.hostName(s.host_id) : s.hostname}</td>
                <td>{s.paths.join(', ')}</td>
                <td>{s.tags.join(', ') || <span class="muted">—</span>}</td>
                <td>
                  <Link href={browsePath(chosen, s.id, s.host_id)}>
                    Browse
                  </Link>
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
