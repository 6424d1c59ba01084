// Calls at most once per window: the first call runs at once, calls during the
// window collapse into one more run when it ends (so the last change is never
// missed). For refetching on bursts of live events.

export interface Timers {
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (id: unknown) => void;
}

const kRealTimers: Timers = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

export interface Throttled {
  /** Asks for a run. */
  (): void;
  /** Drops a pending run (on unmount). */
  cancel: () => void;
}

export function throttle(fn: () => void, ms: number, timers: Timers = kRealTimers): Throttled {
  let timer: unknown = null;
  let pending = false;
  const windowEnds = () => {
    timer = null;
    if (!pending) return;
    pending = false;
    fn();
    timer = timers.setTimer(windowEnds, ms);
  };
  const call = (() => {
    if (timer !== null) {
      pending = true;
      return;
    }
    fn();
    timer = timers.setTimer(windowEnds, ms);
  }) as Throttled;
  call.cancel = () => {
    if (timer !== null) timers.clearTimer(timer);
    timer = null;
    pending = false;
  };
  return call;
}
