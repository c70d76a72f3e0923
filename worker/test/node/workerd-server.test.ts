import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../support/workerd-server';
import { wsProxyAddress } from '../support/test-env';

let db: TestDb;
let server: WorkerdServer;
beforeAll(async () => {
  db = await createTestDb();
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test' });
});
afterAll(async () => {
  await server?.dispose();
  await db?.drop();
});

describe('the Worker served by workerd on a real port', () => {
  it('answers /healthz over HTTP', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: 'ok' });
  });

  it('serves the admin SPA for deep links', async () => {
    const res = await fetch(`${server.url}/some/deep/link`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });
});
