import type { Job, Page } from '../api/types';
import { kJobKinds, kJobStatuses } from '../api/types';
import { api } from '../app/context';
import { useEvent, usePaged, useReconnect, useTitle } from '../app/hooks';
import { useLookups } from '../app/lookups';
import { setQuery, useQuery } from '../app/navigation';
import { HostFilter, Options, PagedList } from '../components/ui';
import { jobMatches, mergeLive } from '../lib/liveList';
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
      const add = !list.hasPrev && jobMatches(j, { hostId, status, kind });
      const items = mergeLive(prev.items, j, { add });
      return items === prev.items ? prev : { ...prev, items };
    });
  });

  return (
    <section>
      <header class="page-head">
        <h1>Jobs</h1>
      </header>
      <div class="toolbar" role="search" aria-label="Filter jobs">
        <HostFilter value={hostId} hosts={lookups.hosts} onChange={(id) => setQuery({ host_id: id })} />
        <label class="field field-inline">
          <span>Status</span>
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value })}>
            <option value="">any status</option>
            <Options values={kJobStatuses} />
          </select>
        </label>
        <label class="field field-inline">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setQuery({ kind: e.currentTarget.value })}>
            <option value="">any kind</option>
            <Options values={kJobKinds} />
          </select>
        </label>
      </div>
      <PagedList list={list} empty="No jobs match.">
        {(jobs) => <JobsTable jobs={jobs} repoName={lookups.repoName} hostName={lookups.hostName} />}
      </PagedList>
    </section>
  );
}
