/**
 * The one error model's mapping, for the errors that come from Postgres: a transaction Postgres rolled back
 * because of another (deadlock, serialization failure) is a 503 to try again — never a 500 — and the body
 * carries neither the SQL nor the driver's text.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './env';
import { handleError } from './errors';

/** What the Postgres driver throws, wrapped as Drizzle wraps it. */
function pgError(code: string, message: string): Error {
  const driver = Object.assign(new Error(message), { code, severity: 'ERROR', detail: 'Process 4711 waits for ShareLock on transaction 99' });
  return Object.assign(new Error('Failed query: update "agents" set … where "id" = $1'), { cause: driver });
}

function appThrowing(err: Error) {
  const app = new Hono<AppEnv>();
  app.onError(handleError);
  app.get('/x', () => {
    throw err;
  });
  return app;
}

describe('handleError and Postgres', () => {
  for (const [code, what] of [['40P01', 'deadlock detected'], ['40001', 'could not serialize access due to concurrent update']] as const) {
    it(`${code} (${what}) → 503 with Retry-After, nothing of the SQL or the driver`, async () => {
      const res = await appThrowing(pgError(code, what)).request('/x');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const body = await res.text();
      expect(JSON.parse(body).error.code).toBe('DB_UNAVAILABLE');
      expect(body).not.toMatch(/agents|ShareLock|Failed query|deadlock|serialize/);
    });
  }

  it('another Postgres error stays a 500 (a bug, not the caller)', async () => {
    const res = await appThrowing(pgError('42703', 'column "nope" does not exist')).request('/x');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('nope');
  });
});
