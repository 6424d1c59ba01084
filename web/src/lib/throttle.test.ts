import { describe, expect, it } from 'vitest';
import { throttle, type Timers } from './throttle';

function fakeTimers() {
  const queue: { id: number; fn: () => void }[] = [];
  let next = 1;
  const timers: Timers = {
    setTimer: (fn) => {
      const id = next++;
      queue.push({ id, fn });
      return id;
    },
    clearTimer: (id) => {
      const at = queue.findIndex((t) => t.id === id);
      if (at >= 0) queue.splice(at, 1);
    },
  };
  const fire = () => queue.shift()?.fn();
  return { timers, fire, pending: () => queue.length };
}

describe('throttle', () => {
  it('runs the first call at once and folds a burst into one trailing run', () => {
    const t = fakeTimers();
    let runs = 0;
    const call = throttle(() => runs++, 1000, t.timers);
    call();
    expect(runs).toBe(1);
    call();
    call();
    call();
    expect(runs).toBe(1);
    t.fire();
    expect(runs).toBe(2);
    t.fire(); // the trailing run's window ends with nothing pending
    expect(runs).toBe(2);
    expect(t.pending()).toBe(0);
  });

  it('runs again at once after a quiet window', () => {
    const t = fakeTimers();
    let runs = 0;
    const call = throttle(() => runs++, 1000, t.timers);
    call();
    t.fire();
    call();
    expect(runs).toBe(2);
  });

  it('drops a pending run when cancelled', () => {
    const t = fakeTimers();
    let runs = 0;
    const call = throttle(() => runs++, 1000, t.timers);
    call();
    call();
    call.cancel();
    expect(t.pending()).toBe(0);
    expect(runs).toBe(1);
  });
});
