import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorMessage, memoryTokenStore, parseError, withQuery } from './client';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(responses: Response[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const queue = [...responses];
  const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    const next = queue.shift();
    if (!next) throw new Error('no response queued');
    return next;
  }) as typeof fetch;
  return { fetch: impl, calls };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function headersOf(call: Call): Record<string, string> {
  return call.init.headers as Record<string, string>;
}

describe('withQuery', () => {
  it('skips empty values and encodes the rest', () => {
    expect(withQuery('/hosts', { q: 'a b', limit: 10, cursor: null, x: undefined, y: '' })).toBe(
      '/hosts?q=a+b&limit=10',
    );
  });
  it('leaves the path alone without parameters', () => {
    expect(withQuery('/hosts', {})).toBe('/hosts');
    expect(withQuery('/hosts')).toBe('/hosts');
  });
});

describe('parseError', () => {
  it('reads the contract error shape', async () => {
    const err = await parseError(json(400, { error: { code: 'invalid_argument', message: 'bad cron', field: 'cron' } }));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_argument');
    expect(err.message).toBe('bad cron');
    expect(err.field).toBe('cron');
  });
  it('has a null field when none is named', async () => {
    const err = await parseError(json(404, { error: { code: 'not_found', message: 'no such host' } }));
    expect(err.field).toBeNull();
  });
  it('falls back for a non-JSON body', async () => {
    const err = await parseError(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(err.code).toBe('internal');
    expect(err.message).toBe('Bad Gateway (502)');
  });
  it('maps well-known statuses to codes without a body', async () => {
    expect((await parseError(new Response('', { status: 401 }))).code).toBe('unauthenticated');
    expect((await parseError(new Response('', { status: 409 }))).code).toBe('conflict');
  });
});

describe('ApiClient', () => {
  it('sends the CSRF token on mutations only', async () => {
    const { fetch, calls } = fakeFetch([json(200, { items: [], next_cursor: null }), json(201, { id: 'h1' })]);
    const api = new ApiClient({ fetch, tokens: memoryTokenStore('tok-1') });
    await api.get('/hosts', { q: 'web' });
    await api.post('/hosts', { name: 'web' });
    expect(calls[0]!.url).toBe('/api/v1/hosts?q=web');
    expect(calls[0]!.init.method).toBe('GET');
    expect(headersOf(calls[0]!)['X-CSRF-Token']).toBeUndefined();
    expect(calls[1]!.init.method).toBe('POST');
    expect(headersOf(calls[1]!)['X-CSRF-Token']).toBe('tok-1');
    expect(headersOf(calls[1]!)['Content-Type']).toBe('application/json');
    expect(calls[1]!.init.body).toBe('{"name":"web"}');
  });

  it('adds the token to PATCH and DELETE too', async () => {
    const { fetch, calls } = fakeFetch([json(200, {}), new Response(null, { status: 204 })]);
    const api = new ApiClient({ fetch, tokens: memoryTokenStore('t') });
    await api.patch('/hosts/h1', { mode: 'always_on' });
    const deleted = await api.del('/hosts/h1');
    expect(headersOf(calls[0]!)['X-CSRF-Token']).toBe('t');
    expect(headersOf(calls[1]!)['X-CSRF-Token']).toBe('t');
    expect(deleted).toBeUndefined();
  });

  it('throws ApiError with the server message', async () => {
    const { fetch } = fakeFetch([json(409, { error: { code: 'conflict', message: 'name taken', field: 'name' } })]);
    const api = new ApiClient({ fetch });
    await expect(api.post('/hosts', { name: 'x' })).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
      field: 'name',
      message: 'name taken',
    });
  });

  it('calls onUnauthorized on 401 except for the login call', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch([
      json(401, { error: { code: 'unauthenticated', message: 'expired' } }),
      json(401, { error: { code: 'unauthenticated', message: 'bad credentials' } }),
    ]);
    const api = new ApiClient({ fetch, onUnauthorized });
    await expect(api.get('/hosts')).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(api.post('/auth/login', { username: 'a', password: 'b' })).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('follows next_cursor in getAll', async () => {
    const { fetch, calls } = fakeFetch([
      json(200, { items: [1, 2], next_cursor: 'c2' }),
      json(200, { items: [3], next_cursor: null }),
    ]);
    const api = new ApiClient({ fetch });
    expect(await api.getAll<number>('/hosts')).toEqual([1, 2, 3]);
    expect(calls[1]!.url).toBe('/api/v1/hosts?limit=500&cursor=c2');
  });
});

describe('errorMessage', () => {
  it('names the field of an ApiError', () => {
    expect(errorMessage(new ApiError(400, { code: 'invalid_argument', message: 'too long', field: 'name' }))).toBe(
      'too long (name)',
    );
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
  });
});
