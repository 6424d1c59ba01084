// Data-loading hooks shared by the pages.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { EventType } from '../lib/events';
import { api, events } from './context';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again; keeps showing the old data meanwhile. */
  reload: () => void;
  setData: (update: T | ((prev: T | undefined) => T)) => void;
}

/** Runs `fn` whenever `deps` change; stale results (and aborted requests) are dropped. */
export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fnRef
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        setDataState(() => value);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((update: T | ((prev: T | undefined) => T)) => {
    setDataState((prev) => (typeof update === 'function' ? (update as (p: T | undefined) => T)(prev) : update));
  }, []);
  return { data, error, loading, reload, setData };
}

/** Subscribes to one live event type for the component's lifetime. */
export function useEvent<T>(type: EventType, handler: (data: T) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => events.on(type, (d) => ref.current(d as T)), [type]);
}

/** Runs `handler` after the event stream reconnects (to refetch what the page shows). */
export function useReconnect(handler: () => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => events.onReconnect(() => ref.current()), []);
}

/** True while the live event stream is connected. */
export function useEventsOpen(): boolean {
  const [open, setOpen] = useState(events.open);
  useEffect(() => {
    setOpen(events.open);
    return events.onStatus(setOpen);
  }, []);
  return open;
}

/** Calls `fn` every `ms` while `active`. */
export function useInterval(fn: () => void, ms: number, active = true): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => ref.current(), ms);
    return () => clearInterval(id);
  }, [ms, active]);
}

/** Sets document.title for the page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · restic-manager` : 'restic-manager';
  }, [title]);
}

/** A mutation helper: pending flag + inline error; returns the action's result or undefined on error. */
export function useAction(): {
  pending: boolean;
  error: unknown;
  run: <R>(fn: () => Promise<R>) => Promise<R | undefined>;
  clear: () => void;
} {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(async <R,>(fn: () => Promise<R>): Promise<R | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      if (mounted.current) setError(err);
      return undefined;
    } finally {
      if (mounted.current) setPending(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { pending, error, run, clear };
}

/** DELETEs `path` under `action` (its pending flag and inline error); true when it went through. */
export async function deleteWith(action: ReturnType<typeof useAction>, path: string): Promise<boolean> {
  return (await action.run(() => api.del(path).then(() => true))) ?? false;
}

export interface PagedState<T> extends AsyncState<{ items: T[]; next_cursor: string | null }> {
  hasPrev: boolean;
  hasNext: boolean;
  next: () => void;
  prev: () => void;
}

/** A cursor-paged list: a stack of cursors, reset whenever `deps` change. */
export function usePaged<T>(
  load: (cursor: string | null, signal: AbortSignal) => Promise<{ items: T[]; next_cursor: string | null }>,
  deps: readonly unknown[],
): PagedState<T> {
  const key = JSON.stringify(deps);
  const [pages, setPages] = useState<{ key: string; stack: (string | null)[] }>({ key, stack: [null] });
  const stack = pages.key === key ? pages.stack : [null];
  const cursor = stack[stack.length - 1] ?? null;
  const state = useAsync((signal) => load(cursor, signal), [key, cursor]);
  return {
    ...state,
    hasPrev: stack.length > 1,
    hasNext: Boolean(state.data?.next_cursor),
    next: () => {
      const nextCursor = state.data?.next_cursor;
      if (nextCursor) setPages({ key, stack: [...stack, nextCursor] });
    },
    prev: () => {
      if (stack.length > 1) setPages({ key, stack: stack.slice(0, -1) });
    },
  };
}
