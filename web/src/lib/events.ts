// Live updates from GET /api/v1/events (Server-Sent Events). EventSource
// reconnects on its own after network errors; subscribers learn about a
// reconnect so they can refetch what they show. When the browser gives up
// (a non-200 answer such as 401), `onGiveUp` decides what happens next and the
// hub retries with backoff unless stopped.

export const kEventTypes = ['ready', 'job', 'job.progress', 'job.log', 'host', 'alert'] as const;
export type EventType = (typeof kEventTypes)[number];

/** The part of EventSource the hub uses (so tests can fake it). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

const kClosed = 2;

type Handler = (data: unknown) => void;

export interface EventHubOptions {
  url?: string;
  create: (url: string) => EventSourceLike;
  /** Called when the browser stopped retrying; resolve false to stop for good (e.g. after a 401). */
  onGiveUp?: () => Promise<boolean>;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (id: unknown) => void;
}

export class EventHub {
  private source: EventSourceLike | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private readonly statusHandlers = new Set<(open: boolean) => void>();
  private openedOnce = false;
  private lostSinceOpen = false;
  private retryTimer: unknown = null;
  private backoffMs = 1000;
  private stopped = true;
  private isOpen = false;

  constructor(private readonly options: EventHubOptions) {}

  get open(): boolean {
    return this.isOpen;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) (this.options.clearTimer ?? clearTimeout)(this.retryTimer as never);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
    this.openedOnce = false;
    this.lostSinceOpen = false;
    this.setOpen(false);
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on(type: EventType, handler: Handler): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Called after the stream comes back from an interruption (not on the first open). */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  onStatus(handler: (open: boolean) => void): () => void {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }

  /** Delivers one message (exposed for tests and for the EventSource listeners). */
  dispatch(type: string, raw: string): void {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return;
    }
    for (const h of [...(this.handlers.get(type) ?? [])]) h(data);
  }

  private setOpen(open: boolean): void {
    if (this.isOpen === open) return;
    this.isOpen = open;
    for (const h of [...this.statusHandlers]) h(open);
  }

  private connect(): void {
    const source = this.options.create(this.options.url ?? '/api/v1/events');
    this.source = source;
    for (const type of kEventTypes) {
      source.addEventListener(type, (ev) => this.dispatch(type, String(ev.data)));
    }
    source.onopen = () => {
      this.backoffMs = 1000;
      this.setOpen(true);
      if (this.openedOnce && this.lostSinceOpen) {
        for (const h of [...this.reconnectHandlers]) h();
      }
      this.openedOnce = true;
      this.lostSinceOpen = false;
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.setOpen(false);
      this.lostSinceOpen = true;
      if (source.readyState !== kClosed) return; // the browser retries by itself
      source.close();
      this.source = null;
      void this.giveUp();
    };
  }

  private async giveUp(): Promise<void> {
    const keepGoing = this.options.onGiveUp ? await this.options.onGiveUp() : true;
    if (!keepGoing || this.stopped) {
      this.stop();
      return;
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 60000);
    this.retryTimer = (this.options.setTimer ?? setTimeout)(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }
}
