/**
 * Issue 8 item 2, as the review ran it: a burst of scrobbles into the real Worker in workerd,
 * `kill -9` of workerd in the middle of it, a restart on the same port and Durable Object
 * storage. Every delivery that was answered `accepted` — and every one stored but cut off before
 * its answer — becomes exactly one play within a bounded time: first with no further traffic
 * (the retrier alarm armed by each delivery finds the stranded events), then the sender resends
 * everything (a redelivery of a stranded event revives it instead of being swallowed as a
 * duplicate). No play is counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture, plexMultipart, variant, type Payload } from '../../fixtures/plex';
import { createTestDb, type TestDb } from '../../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../support/workerd-server';
import { wsProxyAddress } from '../../support/test-env';
import { createAdminToken } from '../../../src/services/auth/admin-tokens';
import { SECRETS_KEY } from './harness';

const BURST = 150;
const IN_FLIGHT = 12;
/** Kill workerd once this many deliveries were answered. */
const KILL_AFTER = 50;
/** The processing lock, compressed: a stranded event is recognised after this long. */
const LOCK_MS = 10_000;

let db: TestDb;
let server: WorkerdServer;
let persist: string;
let hookPath: string;
const vars = () => ({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', SECRETS_KEY, TMDB_URL: 'http://127.0.0.1:9', WEBHOOK_LOCK_MS: String(LOCK_MS) });

beforeAll(async () => {
  db = await createTestDb();
  persist = mkdtempSync(path.join(tmpdir(), 'plexops-crash-'));
  server = await startWorkerdServer(vars(), { persist });
  const { token } = await createAdminToken(db.db, 'crash');
  const res = await fetch(`${server.url}/api/plex/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rateLimitPerMinute: 100_000 }),
  });
  hookPath = new URL(((await res.json()) as { webhookUrl: string }).webhookUrl).pathname;
}, 60_000);
afterAll(async () => {
  await server?.dispose().catch(() => undefined);
  await db?.drop();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

/** Episode n of one show: each is its own item, so the right outcome is exactly one play each. */
function scrobble(n: number): Payload {
  return variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `crash-${n}`, index: n, parentIndex: 7, guid: `com.plexapp.agents.thetvdb://81189/7/${n}?lang=en` });
}

type Outcome = { n: number; status: number | 'no answer'; body?: { status?: string; id?: string }; error?: string };

async function deliver(n: number): Promise<Outcome> {
  const d = plexMultipart(scrobble(n), { thumb: false });
  try {
    const res = await fetch(`${server.url}${hookPath}`, { method: 'POST', body: d.body, headers: d.headers, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    return { n, status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
  } catch (e) {
    const err = e as Error & { cause?: unknown };
    return { n, status: 'no answer', error: String(err.cause ?? err) };
  }
}

async function count(query: string): Promise<number> {
  const { rows } = await db.raw.query(query);
  return Number(rows[0].n);
}

const playsPerEpisode = () =>
  db.raw.query<{ episode: number; plays: number }>(
    `SELECT e.episode, count(p.id)::int AS plays FROM episodes e JOIN plays p ON p.item_id = e.id WHERE e.season = 7 GROUP BY e.episode`,
  );

async function waitUntil(what: string, pred: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > until) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('kill -9 of workerd mid-burst', () => {
  it('loses no accepted delivery and counts no play twice', { timeout: 180_000 }, async () => {
    const outcomes: Outcome[] = [];
    let next = 0;
    let killed = false;
    const port = server.port;
    const pid = server.pid();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < BURST) {
          const o = await deliver(next++);
          outcomes.push(o);
          if (!killed && outcomes.filter((x) => x.status === 200).length >= KILL_AFTER) {
            killed = true;
            process.kill(pid, 'SIGKILL');
          }
        }
      }),
    );
    expect(killed).toBe(true);
    const accepted = outcomes.filter((o) => o.status === 200 && o.body?.status === 'accepted');
    const lost = outcomes.filter((o) => o.status !== 200);
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(lost.length).toBeGreaterThan(0); // the kill really cut deliveries off
    const acceptedEpisodes = new Set(accepted.map((o) => o.n));

    // Restart on the same port with the same Durable Object storage (the retrier's alarm).
    await server.dispose().catch(() => undefined);
    server = await startWorkerdServer(vars(), { persist, port });

    // 1. No traffic at all: the alarm armed by the deliveries repairs every stranded event.
    await waitUntil(
      'every accepted delivery is a play, with no further delivery',
      async () => {
        const { rows } = await playsPerEpisode();
        const done = new Set(rows.map((r) => r.episode));
        return [...acceptedEpisodes].every((n) => done.has(n));
      },
      60_000,
    );
    expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE status = 'pending' AND received_at < now() - interval '${LOCK_MS * 2} milliseconds'`)).toBe(0);

    // 2. The sender resends all of it (Plex retries what it saw fail): everything becomes a play.
    // First the restarted Worker must answer at all (its port reopened, its DB reachable).
    await waitUntil('the restarted Worker answers /healthz', async () => (await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.status === 200, 30_000);
    const resent: Outcome[] = [];
    let again = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (again < BURST) resent.push(await deliver(again++));
      }),
    );
    expect(resent.filter((o) => o.status !== 200)).toEqual([]);
    await waitUntil(
      `all ${BURST} episodes have a play`,
      async () => (await playsPerEpisode()).rows.length === BURST,
      60_000,
    );
    await waitUntil('nothing pending', async () => (await count(`SELECT count(*) AS n FROM webhook_events WHERE status = 'pending'`)) === 0, 30_000);
    const { rows } = await playsPerEpisode();
    expect(rows.filter((r) => r.plays !== 1)).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE status = 'failed'`)).toBe(0);
  });
});
