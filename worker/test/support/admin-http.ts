/**
 * @module
 * The admin API over real HTTP with a bearer admin token, as an operator's script would call
 * it: JSON in, parsed JSON (or raw text) out, status kept for assertions.
 */
export interface AdminRequestInit {
  method?: string;
  json?: unknown;
  /** A body sent as-is (malformed-JSON tests). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface AdminReply {
  status: number;
  // Bodies are asserted structurally in tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only convenience
  body: any;
}

export function adminHttp(baseUrl: string, token: string): (path: string, init?: AdminRequestInit) => Promise<AdminReply> {
  return async (path, init = {}) => {
    const hasBody = init.json !== undefined || init.raw !== undefined;
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
    if (hasBody) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${baseUrl}/api${path}`, {
      method: init.method ?? (hasBody ? 'POST' : 'GET'),
      headers,
      ...(init.raw !== undefined ? { body: init.raw } : init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
    return { status: res.status, body: await readBody(res) };
  };
}

/** A response body as parsed JSON, or its text when it is not JSON (error pages, SSE, 204s). */
export async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
