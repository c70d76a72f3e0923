import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant } from '../../fixtures/plex';
import { OFFICE_UK, OFFICE_US, officeEpisode } from '../../fixtures/plex/the-office';
import { startTmdbSim, type TmdbSim } from '../../sims/tmdb';
import { createLogger } from '../../../src/lib/logger';
import { createProcessDeps } from '../../../src/services/webhooks/deps';
import { runDueRetries } from '../../../src/services/webhooks/retry';
import { reprocessEventsWaitingOn } from '../../../src/services/webhooks/reprocess';
import { createHarness, eventRow, rows, type Harness } from './harness';

let h: Harness;
let sim: TmdbSim;
const logs: string[] = [];


beforeAll(async () => {
  sim = await startTmdbSim();
  sim.addShow(OFFICE_US);
  sim.addShow(OFFICE_UK);
  h = await createHarness({ TMDB_URL: sim.url }, { tmdbApiKey: sim.apiKey, rateLimitPerMinute: 10_000 });
});
afterAll(async () => {
  await h?.dispose();
  await sim?.close();
});


describe('conflict → waiting → resolved → applied', () => {
  it('parks events on the conflict and applies them when a person decides', async () => {
    const first = (await (await h.deliver(officeEpisode(1), { thumb: false })).json()) as { id: string };
    const second = (await (await h.deliver(officeEpisode(2), { thumb: false })).json()) as { id: string };
    const a = await eventRow(h.db, first.id);
    expect(a).toMatchObject({ status: 'waiting', waiting_conflict_id: expect.stringMatching(/.+/) });
    expect((await eventRow(h.db, second.id)).waiting_conflict_id).toBe(a.waiting_conflict_id);
    const waiting = (await (await h.api('/api/plex/logs?status=waiting')).json()) as { items: unknown[] };
    expect(waiting.items).toHaveLength(2);

    const res = await h.api(`/api/plex/conflicts/${a.waiting_conflict_id as string}/resolve`, { method: 'POST', json: { action: 'select', tmdbId: 2316 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ reprocessed: 2 });
    for (const id of [first.id, second.id]) expect(await eventRow(h.db, id)).toMatchObject({ status: 'processed', waiting_conflict_id: null });
    const watched = await rows(h.db, `SELECT e.episode, w.plays FROM watch_state w JOIN episodes e ON e.id = w.item_id JOIN shows s ON s.id = e.show_id WHERE s.tmdb_id = 2316 ORDER BY e.episode`);
    expect(watched).toEqual([{ episode: 1, plays: 1 }, { episode: 2, plays: 1 }]);

    // Later episodes use the stored decision straight away.
    const later = (await (await h.deliver(officeEpisode(2, 'media.pause'), { thumb: false })).json()) as { id: string };
    expect((await eventRow(h.db, later.id)).status).toBe('processed');
  });
});

describe('failed processing is retried with backoff, only while failures are pending', () => {
  it('marks the event failed with a retry time, then a due retry processes it', async () => {
    sim.failNext(1000, 500);
    const p = variant(fixture('episode-new-agent-guids.scrobble'), { ratingKey: 'retry-1', grandparentGuid: 'plex://show/retry-show', grandparentTitle: 'Retry Show', Guid: [{ id: 'tvdb://999001' }] });
    const { id } = (await (await h.deliver(p, { thumb: false })).json()) as { id: string };
    const failed = await eventRow(h.db, id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.next_attempt_at).toBeInstanceOf(Date);
    expect((failed.next_attempt_at as Date).getTime()).toBeGreaterThan(Date.now() + 10_000);
    expect(String(failed.error)).not.toContain(sim.apiKey);

    const deps = await createProcessDeps(h.db.db, { SECRETS_KEY: h.client.env.SECRETS_KEY, TMDB_URL: sim.url }, createLogger({}, (l) => logs.push(l)));
    // Not due yet: nothing runs, and it reports when to wake up.
    const early = await runDueRetries(h.db.db, deps);
    expect(early.processed).toBe(0);
    expect(early.nextAt?.getTime()).toBe((failed.next_attempt_at as Date).getTime());

    sim.failNext(0, 500);
    await h.db.raw.query(`UPDATE webhook_events SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const due = await runDueRetries(h.db.db, deps);
    expect(due).toEqual({ processed: 1, nextAt: null });
    expect(await eventRow(h.db, id)).toMatchObject({ status: expect.stringMatching(/processed|waiting/), attempts: 2, next_attempt_at: null });
    expect(logs.join('\n')).not.toContain(sim.apiKey);
  });
});

describe('events re-processed after a conflict is resolved', () => {
  it('fail like any other processing: a retry time, the retrier asked to wake, a redacted error', async () => {
    const p = (n: number) => variant(officeEpisode(n), { grandparentGuid: 'plex://show/office-reprocess', ratingKey: `office-rp-${n}`, guid: `plex://episode/office-rp-${n}` });
    const { id } = (await (await h.deliver(p(1), { thumb: false })).json()) as { id: string };
    const waiting = await eventRow(h.db, id);
    expect(waiting.status).toBe('waiting');
    const conflictId = waiting.waiting_conflict_id as string;

    const base = await createProcessDeps(h.db.db, { SECRETS_KEY: h.client.env.SECRETS_KEY, TMDB_URL: sim.url }, createLogger({}, (l) => logs.push(l)));
    const wakeups: Date[] = [];
    const deps = {
      ...base,
      // The resolution lands, then processing fails (TMDB down while applying, say), with the key in the message.
      match: async () => {
        throw new Error(`TMDB unreachable: GET /3/tv/2316?api_key=${sim.apiKey}`);
      },
      scheduleRetry: async (at: Date) => void wakeups.push(at),
    };
    const { reprocessed } = await reprocessEventsWaitingOn(h.db.db, deps, conflictId);
    expect(reprocessed).toBe(1);
    const failed = await eventRow(h.db, id);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.next_attempt_at).toBeInstanceOf(Date);
    expect(wakeups.map((d) => d.getTime())).toEqual([(failed.next_attempt_at as Date).getTime()]);
    expect(String(failed.error)).not.toContain(sim.apiKey);
  });
});
