import { listAlerts } from '../api/alerts';
import type { Alert } from '../api/types';
import { kAlertKinds } from '../api/types';
import { useAlertCounts } from '../app/alertCounts';
import { api, usePermissions } from '../app/context';
import { useAction, useAsync, useEvent, useReconnect, useTitle } from '../app/hooks';
import { useLookups } from '../app/lookups';
import { Link, setQuery, useQuery } from '../app/navigation';
import { AlertTable } from '../components/AlertTable';
import { Empty, ErrorNote, HostFilter, Loading } from '../components/ui';
import { alertKindLabel, alertMatches, kAlertTabs, parseAlertTab, statesOfTab, tabCount, type AlertTab } from '../lib/alerts';
import { mergeLive } from '../lib/liveList';

const kPageSize = 50;

export function AlertsPage() {
  useTitle('Alerts');
  const perms = usePermissions();
  const query = useQuery();
  const tab = parseAlertTab(query.get('tab'));
  const kind = query.get('kind') ?? '';
  const hostId = query.get('host_id') ?? '';
  const filter = { states: statesOfTab(tab), kind, hostId };
  const counts = useAlertCounts();
  const { lookups } = useLookups();
  const request = (cursor: string | null, signal?: AbortSignal) =>
    listAlerts(
      api,
      { states: filter.states, kind: kind as Alert['kind'] | '', host_id: hostId, limit: kPageSize, cursor },
      signal,
    );
  const list = useAsync((signal) => request(null, signal), [tab, kind, hostId]);
  const more = useAction();
  useReconnect(list.reload);

  // A changed alert updates its row where it is (a row that leaves the tab's
  // states stays, showing its new state, until the list is loaded again); a
  // new one that belongs here appears first (the list is newest first).
  const apply = (alert: Alert) =>
    list.setData((prev) => {
      if (!prev) return prev!;
      const items = mergeLive(prev.items, alert, { add: alertMatches(alert, filter) });
      return items === prev.items ? prev : { ...prev, items };
    });
  useEvent<Alert>('alert', apply);

  const loadMore = async () => {
    const cursor = list.data?.next_cursor;
    if (!cursor) return;
    const page = await more.run(() => request(cursor));
    if (!page) return;
    list.setData((prev) => {
      const have = new Set((prev?.items ?? []).map((a) => a.id));
      return { items: [...(prev?.items ?? []), ...page.items.filter((a) => !have.has(a.id))], next_cursor: page.next_cursor };
    });
  };

  const tabHref = (t: AlertTab) => {
    const params = new URLSearchParams();
    if (t !== 'open') params.set('tab', t);
    if (kind) params.set('kind', kind);
    if (hostId) params.set('host_id', hostId);
    const text = params.toString();
    return `/alerts${text ? `?${text}` : ''}`;
  };

  return (
    <section>
      <header class="page-head">
        <h1>Alerts</h1>
        <Link href="/alerts/rules" class="btn">
          Rules
        </Link>
      </header>
      <nav class="tabs" aria-label="Alert states">
        {kAlertTabs.map(({ tab: t, label }) => {
          const n = tabCount(t, counts);
          return (
            <Link key={t} href={tabHref(t)} class="tab" aria-current={t === tab ? 'page' : undefined}>
              {n === null ? label : `${label} (${n})`}
            </Link>
          );
        })}
      </nav>
      <div class="toolbar" role="search" aria-label="Filter alerts">
        <HostFilter value={hostId} hosts={lookups.hosts} onChange={(id) => setQuery({ host_id: id })} />
        <label class="field field-inline">
          <span>Kind</span>
          <select value={kind} onChange={(e) => setQuery({ kind: e.currentTarget.value })}>
            <option value="">any kind</option>
            {kAlertKinds.map((k) => (
              <option key={k} value={k}>
                {alertKindLabel(k)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.items.length === 0 ? (
        <Empty>{tab === 'resolved' ? 'No resolved alerts match.' : 'Nothing is wrong: no alerts match.'}</Empty>
      ) : (
        <AlertTable alerts={list.data?.items ?? []} canAct={perms.actOnAlerts} onChanged={apply} testId="alerts-table" />
      )}
      <ErrorNote error={more.error} />
      {list.data?.next_cursor && (
        <div class="pager">
          <button type="button" class="btn" disabled={more.pending} onClick={() => void loadMore()}>
            More
          </button>
        </div>
      )}
    </section>
  );
}
