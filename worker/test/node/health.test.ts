import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/test-db';
import { createTestClient, readJson } from '../support/test-app';
import { APP_VERSION } from '../../src/contracts';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

describe('GET /healthz', () => {
  it('reports ok after a real query through the Neon driver', async () => {
    const res = await createTestClient(db).request('/healthz');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ ok: true, version: APP_VERSION, db: 'ok' });
    expect(body.migrations).toBeGreaterThanOrEqual(2);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('answers 503 DB_UNAVAILABLE without a stack trace when Postgres is unreachable', async () => {
    const client = createTestClient(db, { DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/none' });
    const res = await client.request('/healthz');
    expect(res.status).toBe(503);
    const body = await readJson(res);
    expect(body.error.code).toBe('DB_UNAVAILABLE');
    expect(body.error.requestId).toMatch(/^req_/);
    expect(JSON.stringify(body)).not.toMatch(/at |Error:|127\.0\.0\.1:1/);
  });

  it('answers 500 BAD_ENVIRONMENT when DATABASE_URL is missing', async () => {
    const client = createTestClient(db, { DATABASE_URL: '' });
    const res = await client.request('/healthz');
    expect(res.status).toBe(500);
    expect((await readJson(res)).error.code).toBe('BAD_ENVIRONMENT');
  });

  it('reports an unmigrated database as such', async () => {
    const client = createTestClient(db, { DATABASE_URL: db.url.replace(/\/[^/]+$/, '/postgres') });
    const res = await client.request('/healthz');
    expect(res.status).toBe(503);
    expect(await readJson(res)).toMatchObject({ ok: false, db: 'unmigrated' });
  });
});

describe('unknown routes', () => {
  it('answer 404 JSON in the shared error shape', async () => {
    const res = await createTestClient(db).request('/nope/not-here');
    expect(res.status).toBe(404);
    const body = await readJson(res);
    expect(body.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(typeof body.error.requestId).toBe('string');
  });
});
