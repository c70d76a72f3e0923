/**
 * Runs the Worker inside workerd (the production runtime) and reaches the real test
 * Postgres through @neondatabase/serverless over workerd's own WebSocket.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// The pool types `exports` per project; our entry's default export is a plain fetch handler.
const worker = (exports as unknown as { default: Fetcher }).default;

describe('Worker in workerd', () => {
  it('GET /healthz queries Postgres through the Neon driver', async () => {
    const res = await worker.fetch('http://plexops.test/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: 'ok' });
  });

  it('unknown /api route without credentials → 401 JSON', async () => {
    const res = await worker.fetch('http://plexops.test/api/whatever');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('has the bindings the tests configured', () => {
    expect((env as { DB_WS_PROXY?: string }).DB_WS_PROXY).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
