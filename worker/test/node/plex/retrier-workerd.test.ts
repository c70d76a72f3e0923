import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, plexMultipart, variant } from '../../fixtures/plex';
import { createTestDb, type TestDb } from '../../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../support/workerd-server';
import { wsProxyAddress } from '../../support/test-env';
import { startTmdbSim, type TmdbSim } from '../../sims/tmdb';
import { createAdminToken } from '../../../src/services/auth/admin-tokens';
import { SECRETS_KEY } from './harness';

let db: TestDb;
let server: WorkerdServer;
let sim: TmdbSim;
let hook: string;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startTmdbSim();
  sim.addShow({ id: 4242, name: 'Retried Show', firstAirDate: '2019-01-01', tvdbId: 424242, seasons: [{ number: 1, episodes: [{ number: 1, name: 'One', tvdbId: 4242001 }] }] });
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', SECRETS_KEY, TMDB_URL: sim.url });
  const { token } = await createAdminToken(db.db, 'workerd');
  const res = await fetch(`${server.url}/api/plex/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tmdbApiKey: sim.apiKey }),
  });
  hook = ((await res.json()) as { webhookUrl: string }).webhookUrl;
}, 60_000);
afterAll(async () => {
  await server?.dispose();
  await sim?.close();
  await db?.drop();
});

async function waitFor(id: string, pred: (row: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown>> {
  const until = Date.now() + ms;
  for (;;) {
    const { rows } = await db.raw.query('SELECT * FROM webhook_events WHERE id = $1', [id]);
    const row = rows[0] as Record<string, unknown> | undefined;
    if (row && pred(row)) return row;
    if (Date.now() > until) throw new Error(`timed out; last state ${JSON.stringify(row && { status: row.status, attempts: row.attempts })}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('WebhookRetrier Durable Object (real alarm in workerd)', () => {
  it('a failed event is retried by the alarm after its backoff, and nothing is scheduled afterwards', { timeout: 90_000 }, async () => {
    sim.failNext(1000, 503);
    const p = variant(fixture('episode-new-agent-guids.scrobble'), {
      ratingKey: 'retrier-1',
      grandparentGuid: 'plex://show/retried',
      grandparentTitle: 'Retried Show',
      parentIndex: 1,
      index: 1,
      Guid: [{ id: 'tvdb://4242001' }],
    });
    const d = plexMultipart(p);
    const { id } = (await (await fetch(hook, { method: 'POST', body: d.body, headers: d.headers })).json()) as { id: string };
    const failed = await waitFor(id, (r) => r.status === "failed", 30_000);
    expect(failed.next_attempt_at).toBeInstanceOf(Date);
    sim.failNext(0, 503);
    // First backoff is 30 s ± 20%: the alarm, not a test hook, re-runs it.
    const done = await waitFor(id, (r) => r.status !== 'failed', 60_000);
    expect(done).toMatchObject({ status: 'processed', attempts: 2, next_attempt_at: null });
    const { rows } = await db.raw.query(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'failed'`);
    expect(rows[0].n).toBe(0);
  });
});
