/**
 * @module nomad-sim/test-helpers
 * fetch wrappers for the simulator tests: every call has a timeout so a stuck
 * blocking query fails the test instead of hanging the run.
 */
export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(base: string, method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['X-Nomad-Token'] = opts.token;
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const obj = (v: unknown): Record<string, unknown> => v as Record<string, unknown>;
export const arr = (v: unknown): Array<Record<string, unknown>> => v as Array<Record<string, unknown>>;
