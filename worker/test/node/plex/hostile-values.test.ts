/**
 * Issue 8 item 4 on the public webhook: values Postgres cannot store (NUL, lone surrogates, in
 * values or keys) and integers beyond the columns they land in used to answer 500 and lose the
 * delivery. Now the sender gets a 400 with the reason, and the delivery is kept — sanitised —
 * as `failed` with that reason, never processed half-right and never retried on its own.
 * Deterministic processing errors are not retried to exhaustion, and what is stored is a
 * sentence, not SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createHarness, eventRow, rows, type Harness } from './harness';
import { findUnstorable } from '../../../src/contracts/storable';
import { processEvent } from '../../../src/services/webhooks/process';
import { createLogger } from '../../../src/lib/logger';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
});
afterAll(() => h?.dispose());

const base = () => variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `hv-${Math.random().toString(36).slice(2)}` });

const CASES: Array<[string, () => Payload, RegExp]> = [
  ['NUL in the event', () => ({ ...base(), event: 'media.scrobble\u0000' }), /event contains a NUL/],
  ['NUL in a title', () => variant(base(), { title: 'Pilot\u0000' }), /Metadata\.title contains a NUL/],
  ['NUL in a key', () => variant(base(), { ['ti\u0000tle']: 'x' }), /key contains a NUL/],
  ['lone surrogate in the account title', () => variant(base(), {}, { Account: { id: 1, title: 'Ann\ud800' } }), /Account\.title contains a lone UTF-16 surrogate/],
  ['index 2147483648', () => variant(base(), { index: 2147483648 }), /Metadata\.index is 2147483648/],
  ['parentIndex 1e10', () => variant(base(), { parentIndex: 1e10 }), /Metadata\.parentIndex is 10000000000/],
  ['duration 9e15', () => variant(base(), { duration: 9e15 }), /Metadata\.duration is 9000000000000000/],
  ['viewOffset 1e20 as a string', () => variant(base(), { viewOffset: '100000000000000000000' }), /Metadata\.viewOffset/],
];

describe('hostile values in a delivery', () => {
  it.each(CASES)('%s → 400 with the reason; stored sanitised as failed, not processed, not retried', async (_name, make, reason) => {
    const res = await h.deliver(make(), { thumb: false });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_PAYLOAD');
    expect(body.error.message).toMatch(reason);
    const id = /stored as (whe_[\w-]+)/.exec(body.error.message)?.[1];
    expect(id, body.error.message).toBeDefined();
    const row = await eventRow(h.db, id!);
    expect(row).toMatchObject({ status: 'failed', next_attempt_at: null, attempts: 0, action: expect.stringMatching(/^refused/) });
    expect(String(row.error)).toMatch(reason);
    expect(findUnstorable(row.payload)).toBeNull();
  });

  it('nothing answered 5xx and nothing stayed pending; no play came from a refused delivery', async () => {
    const [pending] = await rows<{ n: number }>(h.db, `SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'`);
    expect(pending!.n).toBe(0);
    const [plays] = await rows<{ n: number }>(h.db, `SELECT count(*)::int AS n FROM plays`);
    expect(plays!.n).toBe(0);
  });

  it('the same refused delivery sent twice is stored twice (refusals are outside dedup: nothing is swallowed)', async () => {
    const p = variant(base(), { title: 'x\u0000' });
    const a = await h.deliver(p, { thumb: false });
    const b = await h.deliver(p, { thumb: false });
    expect([a.status, b.status]).toEqual([400, 400]);
    const ids = await Promise.all([a, b].map(async (r) => /stored as (whe_[\w-]+)/.exec(((await r.json()) as { error: { message: string } }).error.message)?.[1]));
    expect(new Set(ids).size).toBe(2);
  });

  it('a clean delivery right after still becomes a play', async () => {
    const res = await h.deliver(base(), { thumb: false });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect((await eventRow(h.db, id)).status).toBe('processed');
  });
});

describe('processing failures', () => {
  const logger = createLogger({}, () => undefined);
  async function storedEvent(): Promise<string> {
    const res = await h.deliver(variant(base(), {}, { event: 'media.pause' }), { thumb: false });
    const { id } = (await res.json()) as { id: string };
    await h.db.raw.query(`UPDATE webhook_events SET status = 'pending', attempts = 0, locked_until = NULL WHERE id = $1`, [id]);
    return id;
  }

  it('a value Postgres refuses is not retried, and the stored error is a sentence without SQL', async () => {
    const id = await storedEvent();
    const r = await processEvent(h.db.db, {
      logger,
      tmdb: null,
      // A real data exception from the real database, as an overflowing column would raise.
      match: async (db) => {
        await db.execute(sql`SELECT ${'2147483648'}::int4 AS n`);
        throw new Error('unreachable');
      },
    }, id);
    expect(r.status).toBe('failed');
    const row = await eventRow(h.db, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null, action: expect.stringMatching(/^not retried/) });
    expect(String(row.error)).toMatch(/database refused a value .*out of range for type integer/);
    expect(String(row.error)).not.toMatch(/select|Failed query|params/i);
  });

  it('a transient failure is still retried with backoff', async () => {
    const id = await storedEvent();
    await processEvent(h.db.db, { logger, tmdb: null, match: async () => { throw new Error('TMDB answered 503'); } }, id);
    const row = await eventRow(h.db, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, action: null, error: 'Error: TMDB answered 503' });
    expect(row.next_attempt_at).toBeInstanceOf(Date);
  });
});
