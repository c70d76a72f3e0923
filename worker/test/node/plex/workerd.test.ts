import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, plexMultipart, variant } from '../../fixtures/plex';
import { createTestDb, type TestDb } from '../../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../support/workerd-server';
import { wsProxyAddress } from '../../support/test-env';
import { createAdminToken } from '../../../src/services/auth/admin-tokens';
import { SECRETS_KEY } from './harness';

let db: TestDb;
let server: WorkerdServer;
let hook: string;

beforeAll(async () => {
  db = await createTestDb();
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', SECRETS_KEY, TMDB_URL: 'http://127.0.0.1:9' });
  const { token } = await createAdminToken(db.db, 'workerd');
  const res = await fetch(`${server.url}/api/plex/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rateLimitPerMinute: 1000 }),
  });
  expect(res.status).toBe(200);
  const { webhookUrl } = (await res.json()) as { webhookUrl: string };
  expect(webhookUrl.startsWith(server.url)).toBe(true);
  hook = webhookUrl;
}, 60_000);
afterAll(async () => {
  await server?.dispose();
  await db?.drop();
});

/** Processing runs after the response (waitUntil): wait for the row to settle, bounded. */
async function settled(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.raw.query('SELECT * FROM webhook_events WHERE id = $1', [id]);
    if (rows[0] && rows[0].status !== 'pending') return rows[0] as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`event ${id} still pending`);
}

describe('real Plex multipart over a real socket into workerd', () => {
  it('stores, answers 200, then processes after the response', async () => {
    const d = plexMultipart(fixture('episode-legacy.play'), { thumb: true });
    const res = await fetch(hook, { method: 'POST', body: d.body, headers: d.headers });
    expect(res.status).toBe(200);
    const { id, status } = (await res.json()) as { id: string; status: string };
    expect(status).toBe('accepted');
    expect(await settled(id)).toMatchObject({ status: 'processed', action: expect.stringMatching(/progress/) });
  });

  it('scrobble → watched', async () => {
    const d = plexMultipart(fixture('episode-legacy-thetvdb.scrobble'));
    const { id } = (await (await fetch(hook, { method: 'POST', body: d.body, headers: d.headers })).json()) as { id: string };
    expect(await settled(id)).toMatchObject({ status: 'processed' });
    const { rows } = await db.raw.query(`SELECT watched, plays FROM watch_state WHERE account_id = '1'`);
    expect(rows).toEqual([{ watched: true, plays: 1 }]);
  });

  it('413 for an oversized body, 404 for an unknown secret, 405 for GET', async () => {
    const big = plexMultipart(fixture('episode-legacy.play'), { thumb: new Uint8Array(6 * 1024 * 1024) });
    const tooBig = await fetch(hook, { method: 'POST', body: big.body, headers: big.headers });
    expect(tooBig.status).toBe(413);
    const d = plexMultipart(variant(fixture('device.new')));
    const unknown = await fetch(hook.replace(/[\w-]{10}$/, 'AAAAAAAAAA'), { method: 'POST', body: d.body, headers: d.headers });
    expect(unknown.status).toBe(404);
    expect((await fetch(hook)).status).toBe(405);
  });
});
