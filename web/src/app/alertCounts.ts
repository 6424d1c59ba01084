// The unresolved-alert counts behind the navigation badge and the alerts
// page's tabs: fetched once signed in, then again (throttled) after every live
// `alert` event and after the event stream reconnects.

import { getAlertCounts } from '../api/alerts';
import type { AlertCounts } from '../api/types';
import { useEffect } from 'preact/hooks';
import { throttle } from '../lib/throttle';
import { api, events } from './context';
import { createStore, useStore } from './store';

/** At most one counts request per this many ms while alerts change in bursts. */
const kRefetchMs = 1000;

const countsStore = createStore<AlertCounts | null>(null);

/** The latest counts (null until the first answer). */
export function useAlertCounts(): AlertCounts | null {
  return useStore(countsStore);
}

/** Keeps the counts current for as long as the calling component (the Shell) is mounted. */
export function useAlertCountsFeed(): void {
  useEffect(() => {
    let alive = true;
    const refetch = throttle(() => {
      getAlertCounts(api)
        .then((counts) => {
          if (alive) countsStore.set(counts);
        })
        .catch(() => {
          // The badge keeps its last value; the next event or reconnect tries again.
        });
    }, kRefetchMs);
    refetch();
    const offAlert = events.on('alert', () => refetch());
    const offReconnect = events.onReconnect(() => refetch());
    return () => {
      alive = false;
      refetch.cancel();
      offAlert();
      offReconnect();
      countsStore.set(null);
    };
  }, []);
}
