// Thin fetch wrapper for /api/v1: JSON in and out, the contract's error shape
// turned into ApiError, the CSRF header on every mutation, and one hook for 401.

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string | null;
}

/** A failed API call: HTTP status plus the contract's error code/message/field. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.field = body.field ?? null;
  }
}

/** Where the CSRF token lives between page loads (sessionStorage in the browser). */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export function memoryTokenStore(initial: string | null = null): TokenStore {
  let value = initial;
  return {
    get: () => value,
    set: (token) => {
      value = token;
    },
  };
}

const kCsrfKey = 'rm_csrf';

/** sessionStorage-backed token store; falls back to memory when storage is unavailable. */
export function sessionTokenStore(): TokenStore {
  const memory = memoryTokenStore();
  const storage = typeof sessionStorage === 'undefined' ? null : sessionStorage;
  return {
    get: () => {
      try {
        return storage?.getItem(kCsrfKey) ?? memory.get();
      } catch {
        return memory.get();
      }
    },
    set: (token) => {
      memory.set(token);
      try {
        if (token === null) storage?.removeItem(kCsrfKey);
        else storage?.setItem(kCsrfKey, token);
      } catch {
        // Private mode or quota: the in-memory copy still serves this page.
      }
    },
  };
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** Builds `path?k=v&...`, skipping null/undefined/empty values. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Reads the contract's error body; anything else becomes a generic error for the status. */
export async function parseError(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // Body unreadable: fall through to the generic message.
  }
  try {
    const parsed = JSON.parse(text) as { error?: Partial<ApiErrorBody> };
    const err = parsed?.error;
    if (err && typeof err.message === 'string') {
      return new ApiError(res.status, {
        code: typeof err.code === 'string' ? err.code : 'unknown',
        message: err.message,
        field: typeof err.field === 'string' ? err.field : null,
      });
    }
  } catch {
    // Not JSON (a proxy's error page, for instance).
  }
  const fallback = res.statusText || `HTTP ${res.status}`;
  return new ApiError(res.status, { code: codeForStatus(res.status), message: `${fallback} (${res.status})` });
}

function codeForStatus(status: number): string {
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 429:
      return 'rate_limited';
    default:
      return status >= 500 ? 'internal' : 'unknown';
  }
}

export interface ApiClientOptions {
  base?: string;
  fetch?: typeof fetch;
  tokens?: TokenStore;
  /** Called once per 401 answer (except for the login call itself). */
  onUnauthorized?: () => void;
}

const kMutating = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  readonly tokens: TokenStore;
  onUnauthorized: (() => void) | undefined;

  constructor(options: ApiClientOptions = {}) {
    this.base = options.base ?? '/api/v1';
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.tokens = options.tokens ?? memoryTokenStore();
    this.onUnauthorized = options.onUnauthorized;
  }

  /** Performs one request; resolves with the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (kMutating.has(method)) {
      const csrf = this.tokens.get();
      if (csrf) headers['X-CSRF-Token'] = csrf;
    }
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const res = await this.fetchImpl(this.base + path, init);
    if (!res.ok) {
      const error = await parseError(res);
      // A wrong password or code at sign-in is an answer, not a session that ended.
      if (res.status === 401 && path !== '/auth/login' && path !== '/auth/login/totp') this.onUnauthorized?.();
      throw error;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', withQuery(path, query), undefined, signal);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  del(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /** Follows next_cursor until the list ends or `max` items are read. */
  async getAll<T>(path: string, query: Query = {}, max = 5000): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: T[]; next_cursor: string | null } = await this.get(path, {
        ...query,
        limit: 500,
        cursor,
      });
      out.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && out.length < max);
    return out;
  }
}

/** Message for an error caught around an API call, for inline display. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    return err.field ? `${err.message} (${err.field})` : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
