// The host page's open alerts, most urgent first, kept current by the live
// `alert` event.

import type { Alert } from '../api/types';
import { listAlerts } from '../api/alerts';
import { api } from '../app/context';
import { useAsync, useEvent, useReconnect } from '../app/hooks';
import { Link } from '../app/navigation';
import { AlertTable } from './AlertTable';
import { Empty, ErrorNote } from './ui';
import { applyOpenAlert, compareAlerts, kOpenStates } from '../lib/alerts';

/** The host's unresolved alerts, most urgent first, kept current by the live `alert` event. */
export function HostAlerts({ hostId, canAct }: { hostId: string; canAct: boolean }) {
  const open = useAsync(
    async (signal) => {
      const page = await listAlerts(api, { states: kOpenStates, host_id: hostId, limit: 200 }, signal);
      return [...page.items].sort(compareAlerts);
    },
    [hostId],
  );
  useReconnect(open.reload);
  const apply = (a: Alert) => open.setData((items) => (items ? applyOpenAlert(items, a, (x) => x.host_id === hostId) : items!));
  useEvent<Alert>('alert', apply);
  return (
    <section class="section" aria-labelledby="host-alerts">
      <header class="section-head">
        <h2 id="host-alerts">Alerts</h2>
        <Link href={`/alerts?host_id=${encodeURIComponent(hostId)}`}>All alerts of this host</Link>
      </header>
      <ErrorNote error={open.error} />
      {open.data && open.data.length === 0 ? (
        <Empty>No open alerts.</Empty>
      ) : (
        open.data && <AlertTable alerts={open.data} canAct={canAct} onChanged={apply} showResolved={false} testId="host-alerts" />
      )}
    </section>
  );
}

