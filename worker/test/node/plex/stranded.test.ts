/**
 * Issue 8 item 2, the pieces one by one (the crash itself: crash-recovery.test.ts). An event is
 * "stranded" when it was stored `pending` but the run that should have processed it died. It is
 * stored here exactly as a delivery stores it (storeEvent) and then left alone, as a killed
 * isolate would leave it. Through the real app and a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createHarness, eventRow, rows, type Harness } from './harness';
import { storeEvent } from '../../../src/services/webhooks/ingest';
import { parsePayload } from '../../../src/services/webhooks/payload';

const LOCK_MS = 1_000;
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ WEBHOOK_LOCK_MS: String(LOCK_MS) }, { rateLimitPerMinute: 10_000 });
});
afterAll(() => h?.dispose());

function scrobble(n: number): Payload {
  return variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `str-${n}`, index: n, parentIndex: 9, guid: `com.plexapp.agents.thetvdb://81189/9/${n}?lang=en` });
}

/** What a delivery that died right after its INSERT leaves behind: a pending row and its dedup key. */
async function strand(p: Payload, ageMs = 5 * LOCK_MS): Promise<string> {
  const { payload, raw } = parsePayload(JSON.stringify(p));
  const stored = await storeEvent(h.db.db, { secretId: null, payload, raw, headers: {}, sourceIp: null, ignored: null, lockMs: LOCK_MS });
  expect(stored.status).toBe('pending');
  await h.db.raw.query(`UPDATE webhook_events SET received_at = now() - make_interval(secs => $2::float / 1000) WHERE id = $1`, [stored.id, ageMs]);
  return stored.id;
}

async function plays(n: number): Promise<number> {
  const [r] = await rows<{ n: number }>(h.db, `SELECT count(*)::int AS n FROM plays p JOIN episodes e ON e.id = p.item_id WHERE e.season = 9 AND e.episode = $1`, [n]);
  return r!.n;
}

describe('a redelivery of a stranded event', () => {
  it('revives it: answered accepted with that event id, processed once, the redelivery logged as such', async () => {
    const stuck = await strand(scrobble(1));
    const res = await h.deliver(scrobble(1), { thumb: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted', id: stuck });
    expect(await eventRow(h.db, stuck)).toMatchObject({ status: 'processed', attempts: 1 });
    const [dup] = await rows<{ status: string; action: string }>(h.db, `SELECT status, action FROM webhook_events WHERE rating_key = 'str-1' AND id <> $1`, [stuck]);
    expect(dup).toMatchObject({ status: 'duplicate', action: `redelivery of ${stuck}, which was stranded: processing that one again` });
    expect(await plays(1)).toBe(1);
    // Once processed it is an ordinary duplicate again.
    expect(await (await h.deliver(scrobble(1), { thumb: false })).json()).toMatchObject({ status: 'duplicate' });
    expect(await plays(1)).toBe(1);
  });

  it('leaves an event whose run may still be alive alone (lock not run out): a plain duplicate', async () => {
    const young = await strand(scrobble(2), 0);
    const res = await h.deliver(scrobble(2), { thumb: false });
    expect(await res.json()).toMatchObject({ status: 'duplicate' });
    expect((await eventRow(h.db, young)).status).toBe('pending');
    await h.db.raw.query(`UPDATE webhook_events SET status = 'ignored' WHERE id = $1`, [young]); // out of the next test's way
  });
});

describe('the next delivery', () => {
  it('picks up other stranded events after its own', async () => {
    const a = await strand(scrobble(3));
    const b = await strand(scrobble(4));
    const res = await h.deliver(scrobble(5), { thumb: false });
    expect(await res.json()).toMatchObject({ status: 'accepted' });
    for (const id of [a, b]) expect(await eventRow(h.db, id)).toMatchObject({ status: 'processed', attempts: 1 });
    expect([await plays(3), await plays(4), await plays(5)]).toEqual([1, 1, 1]);
  });
});
