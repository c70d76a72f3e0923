import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant } from '../../fixtures/plex';
import { createLogger } from '../../../src/lib/logger';
import { runWebhookHousekeeping } from '../../../src/services/webhooks/retention';
import { createHarness, eventRow, rows, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { logRetentionDays: 30 });
});
afterAll(() => h?.dispose());

describe('daily webhook housekeeping', () => {
  it('deletes logs past retention, keeps plays, and processes events left pending', async () => {
    const old = (await (await h.deliver(fixture('episode-legacy-thetvdb.scrobble'))).json()) as { id: string };
    const recent = (await (await h.deliver(fixture('device.new'))).json()) as { id: string };
    await h.db.raw.query(`UPDATE webhook_events SET received_at = now() - interval '31 days' WHERE id = $1`, [old.id]);
    // An event whose waitUntil never ran (isolate died): stored, still pending.
    const lost = (await (await h.deliver(variant(fixture('episode-legacy.pause'), { ratingKey: 'lost' }))).json()) as { id: string };
    await h.db.raw.query(`UPDATE webhook_events SET status = 'pending', action = NULL, received_at = now() - interval '20 minutes' WHERE id = $1`, [lost.id]);
    await h.db.raw.query(`UPDATE webhook_dedup SET seen_at = now() - interval '2 days'`);

    const result = await runWebhookHousekeeping(h.db.db, h.client.env, createLogger({}, () => undefined));
    expect(result).toMatchObject({ events: 1, swept: 1 });
    expect(result.dedupKeys).toBeGreaterThan(0);
    expect(await rows(h.db, 'SELECT id FROM webhook_events WHERE id = $1', [old.id])).toEqual([]);
    expect((await eventRow(h.db, recent.id)).id).toBe(recent.id);
    expect((await eventRow(h.db, lost.id)).status).toBe('processed');
    const [plays] = await rows<{ n: string }>(h.db, 'SELECT count(*) AS n FROM plays');
    expect(Number(plays!.n)).toBe(1);
  });
});
