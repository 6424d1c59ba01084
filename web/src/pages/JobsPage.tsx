import type { Job, Page } from '../api/types';
import { kJobKinds, kJobStatuses } from '../api/types';
import { api } from '../app/context';
import { useEvent, usePaged, useReconnect, useTitle } from '../app/hooks';
import { useLookups } from '../app/lookups';
import { setQuery, useQuery } from '../app/navigation';
import { Empty, ErrorNote, Loading, Pager } from '../components/ui';
import { JobsTable } from './HostPage';

export function JobsPage() {
  useTitle('Jobs');
  const query = useQuery();
  const hostId = query.get('host_id') ?? '';
  const status = query.get('status') ?? '';
  const kind = query.get('kind') ?? '';
  const { lookups } = useLookups();
  const list = usePaged<Job>(
    (cursor, signal) => api.get<Page<Job>>('/jobs', { host_id: hostId, status, kind, cursor, limit: 50 }, signal),
    [hostId, status, kind],
  );
  useReconnect(list.reload);
  // Keep visible rows current; new jobs show up on the first page.
  useEvent<Job>('job', (j) => {
    list.setData((prev) => {
      if (!prev) return prev!;
      if (prev.items.some((x) => x.id === j.id)) return { ...prev, items: prev.items.map((x) => (x.id === j.id ? j : x)) };
      const matches = (!hostId || j.host_id === hostId) && (!status || j.status === status) && (!kind || j.kind === kind);
      if (!matches || list.hasPrev) return prev;
      return { ...prev, items: [j, ...prev.items] };
    });
  });

  return (
    <section>
      <header class="page-head">
        <h1>Jobs</h1>
      </header>
      <div class="toolbar" role="search" aria-label="Filter jobs">
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
        <label class="field field-inline">
          <span>Status</span>
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value })}>
            <option value="">any status</option>
            {kJobStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="field field-inline">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setQuery({ kind: e.currentTarget.value })}>
            <option value="">any kind</option>
            {kJobKinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <Empty>No jobs match.</Empty>
      ) : (
        <JobsTable jobs={list.data?.items ?? []} repoName={lookups.repoName} hostName={lookups.hostName} />
      )}
      <Pager hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
    </section>
  );
}
