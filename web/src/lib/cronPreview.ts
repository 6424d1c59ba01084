// Debounced live preview of a cron expression's next fire times: one request
// per pause in typing, stale answers dropped.

import { ApiError } from '../api/client';

export type CronPreviewState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ok'; next: string[] }
  | { status: 'error'; message: string; field: string | null; httpStatus: number | null };

export type CronFetcher = (expr: string, tz: string, signal: AbortSignal) => Promise<string[]>;

export class CronPreview {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private controller: AbortController | null = null;
  private generation = 0;
  private lastKey: string | null = null;

  constructor(
    private readonly fetcher: CronFetcher,
    private readonly onState: (state: CronPreviewState) => void,
    private readonly delayMs = 250,
  ) {}

  /** Schedules a preview for (expr, tz); an empty expression is idle, an unchanged one is a no-op. */
  update(expr: string, tz: string): void {
    const trimmed = expr.trim();
    const key = `${trimmed}\u0000${tz}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.cancelPending();
    if (trimmed === '') {
      this.onState({ status: 'idle' });
      return;
    }
    const generation = ++this.generation;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(trimmed, tz, generation);
    }, this.delayMs);
  }

  /** Stops timers and in-flight requests; no state is reported afterwards. */
  dispose(): void {
    this.generation++;
    this.cancelPending();
  }

  private cancelPending(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort();
    this.controller = null;
  }

  private async run(expr: string, tz: string, generation: number): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    this.onState({ status: 'loading' });
    try {
      const next = await this.fetcher(expr, tz || 'UTC', controller.signal);
      if (generation !== this.generation) return;
      this.onState({ status: 'ok', next });
    } catch (err) {
      if (generation !== this.generation) return;
      if (err instanceof ApiError) {
        this.onState({ status: 'error', message: err.message, field: err.field, httpStatus: err.status });
      } else {
        this.onState({
          status: 'error',
          message: err instanceof Error ? err.message : String(err),
          field: null,
          httpStatus: null,
        });
      }
    } finally {
      if (this.controller === controller) this.controller = null;
    }
  }
}

/** Where a preview error belongs: the cron field, the timezone field, or nowhere (preview unavailable). */
export function previewErrorTarget(state: CronPreviewState): 'cron' | 'tz' | 'unavailable' | null {
  if (state.status !== 'error') return null;
  if (state.httpStatus !== 400) return 'unavailable';
  return state.field === 'tz' ? 'tz' : 'cron';
}
