import type { Page, Repository, Snapshot } from '../api/types';
import { api } from '../app/context';
import { useAsync, usePaged, useTitle } from '../app/hooks';
import { useLookups } from '../app/lookups';
import { Link, setQuery, useQuery } from '../app/navigation';
import { browsePath } from '../app/routes';
import { HostFilter, PagedList, TableHead } from '../components/ui';
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
        <HostFilter value={hostId} hosts={lookups.hosts} onChange={(id) => setQuery({ host_id: id })} />
      </div>
      <PagedList
        list={list}
        error={repos.error ?? list.error}
        empty={
          !chosen
            ? 'Add a repository first.'
            : 'No snapshots indexed for this repository yet. They appear after a backup (or a snapshots job).'
        }
      >
        {(items) => (
          <table class="table">
            <TableHead
              columns={[
                'ID',
                'Time',
                'Host',
                'Paths',
                'Tags',
                { key: 'Actions', label: <span class="sr-only">Actions</span> },
              ]}
            />
            <tbody>
              {items.map((s) => (
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
      </PagedList>
    </section>
  );
}
