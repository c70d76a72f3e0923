/**
 * The dashboard stream's cost (architecture principle 2): with the stream open and nothing
 * happening it runs no SQL at all; a burst of a hundred changes is folded into a handful of reads;
 * a change that alters the answer is pushed, one that does not is not resent. The badges scope
 * reads one statement per change. Real app and Postgres, the in-process hub, counted with
 * pg_stat_statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../plex/harness';
import { createSqlCounter, type SqlCounter } from '../../support/sql-counter';
import { readSse, type SseReader } from '../../support/sse';
import { getHub } from '../../../src/hub/hub-client';
import { fixture } from '../../fixtures/plex';

let h: Harness;
let counter: SqlCounter;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
  counter = await createSqlCounter(h.db.name);
});
afterAll(async () => {
  await counter?.close();
  await h?.dispose();
});

async function open(scope: 'overview' | 'badges'): Promise<SseReader> {
  const abort = new AbortController();
  const res = await h.client.request(`/api/overview/stream?scope=${scope}`, { headers: h.admin, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  return readSse(res, abort);
}

/** Statements executed while `fn` runs and `settle` ms after. */
async function sqlDuring(fn: () => Promise<unknown>, settle: number): Promise<number> {
  const before = await counter.count();
  await fn();
  await sleep(settle);
  return (await counter.count()) - before;
}

describe('the overview stream', () => {
  it('sends the overview at once, then costs no SQL while nothing happens', async () => {
    const s = await open('overview');
    try {
      const first = await s.waitFor('overview');
      expect(first).toMatchObject({ nowPlaying: [], badges: { conflicts: 0, approvals: 0 } });
      await sleep(500);
      expect(await sqlDuring(() => sleep(3_000), 0)).toBe(0);
    } finally {
      s.close();
    }
  });

  it('folds a burst of changes into a few reads, and pushes a changed answer', async () => {
    const s = await open('overview');
    try {
      await s.waitFor('overview');
      await sleep(500);
      const hub = getHub(undefined);
      // One change nobody can see: one read, nothing sent.
      const perRead = await sqlDuring(() => hub.pokeOverview(), 1_500);
      expect(perRead).toBeGreaterThan(0);
      expect(s.events.filter((e) => e.event === 'overview')).toHaveLength(1);
      // A hundred changes over ~2 s: reads are at least a second apart (minGapMs), however slow
      // the machine, so the bound follows the time the burst actually took.
      const started = Date.now();
      const burst = await sqlDuring(async () => {
        for (let i = 0; i < 100; i++) {
          await hub.pokeOverview();
          await sleep(20);
        }
      }, 1_500);
      const seconds = (Date.now() - started) / 1000;
      expect(burst / perRead).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      expect(burst / perRead).toBeLessThan(100 / 4);
      // A real change: a play arrives; the stream pushes the session.
      expect((await h.deliver(fixture('episode-legacy.play'))).status).toBe(200);
      const next = await s.waitFor('overview', (o: { nowPlaying: unknown[] }) => o.nowPlaying.length === 1);
      expect(next.nowPlaying[0]).toMatchObject({ state: 'playing', showTitle: 'Breaking Bad', account: { title: 'owner' } });
    } finally {
      s.close();
    }
  });

  it('badges: one small statement per change, sent only when a count moves', async () => {
    const s = await open('badges');
    try {
      expect(await s.waitFor('badges')).toEqual({ conflicts: 0, approvals: 0 });
      await sleep(300);
      const perRead = await sqlDuring(() => getHub(undefined).pokeOverview(), 1_000);
      expect(perRead).toBe(1);
      await h.db.raw.query(`INSERT INTO plex_mappings (id, server_uuid, plex_guid, kind, status) VALUES ('pm_x', '', 'g://x', 'show', 'conflict')`);
      await h.db.raw.query(`INSERT INTO match_conflicts (id, mapping_id, candidates, reason) VALUES ('mcf_x', 'pm_x', '[]', 'no-candidates')`);
      await getHub(undefined).pokeOverview();
      expect(await s.waitFor('badges', (b: { conflicts: number }) => b.conflicts === 1)).toEqual({ conflicts: 1, approvals: 0 });
      expect(s.events.filter((e) => e.event === 'badges')).toHaveLength(2);
    } finally {
      s.close();
    }
  });
});
