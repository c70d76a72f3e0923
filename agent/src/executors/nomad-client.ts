/**
 * @module
 * Nomad HTTP API client: reads, writes (POST/PUT/DELETE) and blocking queries, with
 * `X-Nomad-Token` from the agent's environment (the env var the target names and the policy
 * allows). The token is never logged (the job's redactor also knows it), and the client never
 * follows a redirect: a 3xx from the allowed address to anywhere else would carry the token to a
 * host the policy never allowed, so it is an error naming the location instead.
 *
 * Blocking queries (Nomad's long-poll): pass the `X-Nomad-Index` of the last answer as `index`
 * and how long Nomad may hold the request as `waitMs`; the answer comes when something changed
 * past that index or the wait ran out (Nomad caps it at 10 minutes and adds jitter), and carries
 * the new index. Errors are Nomad's text/plain bodies.
 */
import { linkSignals, timeoutSignal } from '../abort';

export class NomadApiError extends Error {
  override name = 'NomadApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface NomadClientOptions {
  address: string;
  token?: string;
  namespace?: string;
  /** Per-request timeout; a blocking query adds its wait to it. */
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export interface NomadRequest {
  query?: Record<string, string>;
  /** JSON request body (POST/PUT). */
  body?: unknown;
  /** Blocking query: answer only once the index moves past this one (or `waitMs` passes). */
  index?: number;
  /** Blocking query: how long Nomad may hold the request. */
  waitMs?: number;
}

export interface NomadResponse<T> {
  body: T;
  status: number;
  /** `X-Nomad-Index` of the answer (for the next blocking query); absent on writes. */
  index: number | undefined;
}

/** Nomad caps blocking waits at 10 minutes. */
const MAX_WAIT_MS = 10 * 60_000;

export class NomadClient {
  constructor(private readonly o: NomadClientOptions) {}

  url(path: string, query: Record<string, string> = {}): string {
    const u = new URL(this.o.address.replace(/\/+$/, '') + path);
    if (this.o.namespace) u.searchParams.set('namespace', this.o.namespace);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, r: NomadRequest = {}): Promise<NomadResponse<T>> {
    const query = { ...r.query };
    const waitMs = r.waitMs === undefined ? 0 : Math.min(Math.max(0, r.waitMs), MAX_WAIT_MS);
    if (r.index !== undefined) {
      query.index = String(r.index);
      query.wait = `${Math.ceil(waitMs / 1000)}s`;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.o.token) headers['x-nomad-token'] = this.o.token;
    if (r.body !== undefined) headers['content-type'] = 'application/json';
    // Nomad adds up to wait/16 of jitter to a blocking query: allow for it on top of the wait.
    const timeout = timeoutSignal(this.o.timeoutMs + waitMs + Math.ceil(waitMs / 16));
    // Linked for this request only and detached after it: a client polling in a loop must not
    // pile listeners onto the job's long-lived signal.
    const linked = this.o.signal ? linkSignals(timeout, this.o.signal) : undefined;
    const signal = linked?.signal ?? timeout;
    const url = this.url(path, query);
    let res: Response;
    let text: string;
    try {
      try {
        res = await (this.o.fetch ?? fetch)(url, {
          method,
          headers,
          signal,
          redirect: 'manual',
          ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}),
        });
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string }; message?: string };
        if (this.o.signal?.aborted) throw new NomadApiError('cancelled', 0);
        throw new NomadApiError(e.name === 'TimeoutError' || timeout.aborted ? 'timed out' : (e.cause?.code ?? e.message ?? 'network error'), 0);
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const where = res.headers.get('location') ?? '(no location)';
        throw new NomadApiError(`HTTP ${res.status}: Nomad answered a redirect to ${where}; not followed (the token must only go to the address the policy allows)`, res.status);
      }
      text = await res.text();
    } finally {
      linked?.dispose();
    }
    if (!res.ok) throw new NomadApiError(`HTTP ${res.status}: ${text.trim().slice(0, 300) || res.statusText}`, res.status);
    const index = Number(res.headers.get('x-nomad-index'));
    let body: T;
    try {
      body = (text === '' ? null : JSON.parse(text)) as T;
    } catch {
      throw new NomadApiError('response is not JSON', res.status);
    }
    return { body, status: res.status, index: Number.isFinite(index) && index > 0 ? index : undefined };
  }

  async get<T>(path: string, query?: Record<string, string>): Promise<T> {
    return (await this.request<T>('GET', path, query ? { query } : {})).body;
  }

  /** A blocking query: resolves when the resource changed past `index` or `waitMs` passed. */
  blockingGet<T>(path: string, index: number, waitMs: number, query?: Record<string, string>): Promise<NomadResponse<T>> {
    return this.request<T>('GET', path, { index, waitMs, ...(query ? { query } : {}) });
  }

  async post<T>(path: string, body: unknown, query?: Record<string, string>): Promise<T> {
    return (await this.request<T>('POST', path, { body, ...(query ? { query } : {}) })).body;
  }

  async put<T>(path: string, body: unknown, query?: Record<string, string>): Promise<T> {
    return (await this.request<T>('PUT', path, { body, ...(query ? { query } : {}) })).body;
  }

  async delete<T>(path: string, query?: Record<string, string>): Promise<T> {
    return (await this.request<T>('DELETE', path, query ? { query } : {})).body;
  }
}
