import { describe, expect, it, vi } from 'vitest';
import { EventHub, type EventSourceLike } from './events';

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  closed = false;
  listeners = new Map<string, (ev: MessageEvent) => void>();
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void {
    this.listeners.set(type, listener);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, data: unknown): void {
    this.listeners.get(type)?.({ data: JSON.stringify(data) } as MessageEvent);
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  fail(giveUp: boolean): void {
    this.readyState = giveUp ? 2 : 0;
    this.onerror?.(new Event('error'));
  }
}

function setup(onGiveUp?: () => Promise<boolean>) {
  const sources: FakeSource[] = [];
  const timers: (() => void)[] = [];
  const hub = new EventHub({
    create: () => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    },
    ...(onGiveUp ? { onGiveUp } : {}),
    setTimer: (fn) => {
      timers.push(fn);
      return timers.length;
    },
    clearTimer: () => {},
  });
  return { hub, sources, timers };
}

describe('EventHub', () => {
  it('delivers typed events to subscribers until they unsubscribe', () => {
    const { hub, sources } = setup();
    const got: unknown[] = [];
    const off = hub.on('job', (d) => got.push(d));
    hub.start();
    sources[0]!.open();
    sources[0]!.emit('job', { id: 'j1', status: 'running' });
    sources[0]!.emit('host', { id: 'h1' });
    off();
    sources[0]!.emit('job', { id: 'j2' });
    expect(got).toEqual([{ id: 'j1', status: 'running' }]);
  });

  it('ignores malformed JSON', () => {
    const { hub } = setup();
    const handler = vi.fn();
    hub.on('job', handler);
    hub.dispatch('job', '{not json');
    expect(handler).not.toHaveBeenCalled();
  });

  it('signals a reconnect after the browser re-opens the stream, not on the first open', () => {
    const { hub, sources } = setup();
    const reconnect = vi.fn();
    const status: boolean[] = [];
    hub.onReconnect(reconnect);
    hub.onStatus((o) => status.push(o));
    hub.start();
    sources[0]!.open();
    expect(reconnect).not.toHaveBeenCalled();
    sources[0]!.fail(false);
    sources[0]!.open();
    expect(reconnect).toHaveBeenCalledTimes(1);
    expect(status).toEqual([true, false, true]);
    expect(hub.open).toBe(true);
  });

  it('retries with a new source when the browser gives up, and reports the reconnect', async () => {
    const { hub, sources, timers } = setup(async () => true);
    const reconnect = vi.fn();
    hub.onReconnect(reconnect);
    hub.start();
    sources[0]!.open();
    sources[0]!.fail(true);
    await Promise.resolve();
    await Promise.resolve();
    expect(sources[0]!.closed).toBe(true);
    expect(timers).toHaveLength(1);
    timers[0]!();
    expect(sources).toHaveLength(2);
    sources[1]!.open();
    expect(reconnect).toHaveBeenCalledTimes(1);
  });

  it('stops for good when onGiveUp says so (401)', async () => {
    const { hub, sources, timers } = setup(async () => false);
    hub.start();
    sources[0]!.fail(true);
    await Promise.resolve();
    await Promise.resolve();
    expect(timers).toHaveLength(0);
    expect(hub.open).toBe(false);
  });
});
