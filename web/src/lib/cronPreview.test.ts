import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { CronPreview, previewErrorTarget, type CronPreviewState } from './cronPreview';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CronPreview', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('debounces typing into one request', async () => {
    const fetcher = vi.fn(async () => ['2026-01-01T03:00:00Z']);
    const states: CronPreviewState[] = [];
    const p = new CronPreview(fetcher, (s) => states.push(s), 250);
    p.update('0', 'UTC');
    p.update('0 3', 'UTC');
    p.update('0 3 * * *', 'UTC');
    await vi.advanceTimersByTimeAsync(249);
    expect(fetcher).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(fetcher.mock.calls[0]!.slice(0, 2)).toEqual(['0 3 * * *', 'UTC']);
    expect(states).toEqual([{ status: 'loading' }, { status: 'ok', next: ['2026-01-01T03:00:00Z'] }]);
  });

  it('reports the server error message and field', async () => {
    const fetcher = vi.fn(async () => {
      throw new ApiError(400, { code: 'invalid_argument', message: 'minute: 99 out of range', field: 'expr' });
    });
    const states: CronPreviewState[] = [];
    const p = new CronPreview(fetcher, (s) => states.push(s));
    p.update('99 * * * *', 'UTC');
    await vi.runAllTimersAsync();
    expect(states.at(-1)).toEqual({ status: 'error', message: 'minute: 99 out of range', field: 'expr', httpStatus: 400 });
    expect(previewErrorTarget(states.at(-1)!)).toBe('cron');
  });

  it('drops a stale answer that arrives after a newer edit', async () => {
    const first = deferred<string[]>();
    const second = deferred<string[]>();
    const fetcher = vi.fn().mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise);
    const states: CronPreviewState[] = [];
    const p = new CronPreview(fetcher, (s) => states.push(s));
    p.update('0 1 * * *', 'UTC');
    await vi.advanceTimersByTimeAsync(250);
    const firstSignal = fetcher.mock.calls[0]![2] as AbortSignal;
    p.update('0 2 * * *', 'UTC');
    expect(firstSignal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(250);
    second.resolve(['two']);
    first.resolve(['one']);
    await vi.runAllTimersAsync();
    expect(states.filter((s) => s.status === 'ok')).toEqual([{ status: 'ok', next: ['two'] }]);
  });

  it('is idle for an empty expression and skips unchanged input', async () => {
    const fetcher = vi.fn(async () => ['x']);
    const states: CronPreviewState[] = [];
    const p = new CronPreview(fetcher, (s) => states.push(s));
    p.update('   ', 'UTC');
    expect(states).toEqual([{ status: 'idle' }]);
    p.update('0 3 * * *', 'Europe/Berlin');
    await vi.runAllTimersAsync();
    p.update('0 3 * * *', 'Europe/Berlin');
    await vi.runAllTimersAsync();
    expect(fetcher).toHaveBeenCalledTimes(1);
    p.update('0 3 * * *', 'UTC');
    await vi.runAllTimersAsync();
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it('reports nothing after dispose', async () => {
    const fetcher = vi.fn(async () => ['x']);
    const states: CronPreviewState[] = [];
    const p = new CronPreview(fetcher, (s) => states.push(s));
    p.update('0 3 * * *', 'UTC');
    p.dispose();
    await vi.runAllTimersAsync();
    expect(fetcher).not.toHaveBeenCalled();
    expect(states).toEqual([]);
  });
});

describe('previewErrorTarget', () => {
  it('routes 400s by field and everything else to unavailable', () => {
    const err = (httpStatus: number | null, field: string | null): CronPreviewState => ({
      status: 'error',
      message: 'm',
      field,
      httpStatus,
    });
    expect(previewErrorTarget(err(400, 'expr'))).toBe('cron');
    expect(previewErrorTarget(err(400, 'tz'))).toBe('tz');
    expect(previewErrorTarget(err(404, null))).toBe('unavailable');
    expect(previewErrorTarget(err(null, null))).toBe('unavailable');
    expect(previewErrorTarget({ status: 'ok', next: [] })).toBeNull();
  });
});
