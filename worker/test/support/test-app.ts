/**
 * @module
 * Drives the real app in Node through `app.request`, against an isolated test database,
 * with the same bindings shape the Worker gets. Cookies are carried between calls like a
 * browser would, and the Origin header is set as a same-origin browser would.
 */
import { createApp } from '../../src/app';
import type { Bindings } from '../../src/env';
import { wsProxyAddress } from './test-env';
import type { TestDb } from './test-db';

export const TEST_ORIGIN = 'http://plexops.test';

export interface TestClient {
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  cookies: Map<string, string>;
  env: Bindings;
}

export function createTestClient(db: TestDb, env: Partial<Bindings> = {}): TestClient {
  const app = createApp();
  const fullEnv: Bindings = { DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', ...env };
  const cookies = new Map<string, string>();
  return {
    cookies,
    env: fullEnv,
    async request(path, init = {}) {
      const headers = new Headers(init.headers);
      const method = (init.method ?? (init.json !== undefined ? 'POST' : 'GET')).toUpperCase();
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
      }
      if (method !== 'GET' && method !== 'HEAD' && !headers.has('origin')) headers.set('origin', TEST_ORIGIN);
      if (cookies.size && !headers.has('cookie')) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      const { json, ...rest } = init;
      const res = await app.request(`${TEST_ORIGIN}${path}`, { ...rest, method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }, fullEnv);
      for (const sc of (res.headers as unknown as { getSetCookie(): string[] }).getSetCookie()) {
        const [pair, ...attrs] = sc.split(';');
        const [k, ...v] = (pair ?? '').split('=');
        const expired = attrs.some((a: string) => /max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
        if (k) expired ? cookies.delete(k.trim()) : cookies.set(k.trim(), v.join('='));
      }
      return res;
    },
  };
}

/** Response bodies in tests are asserted structurally; `any` keeps those assertions terse. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only convenience
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
