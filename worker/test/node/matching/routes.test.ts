import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTmdbSim, type TmdbSim } from '../../sims/tmdb';
import { createHarness, rows, type Harness } from '../plex/harness';
import { fixture, variant } from '../../fixtures/plex';
import { TmdbClient } from '../../../src/services/tmdb/client';
import { dbTmdbCache } from '../../../src/services/tmdb/cache';
import { createLogger } from '../../../src/lib/logger';
import { matchPlexItem } from '../../../src/services/matching/match';
import type { MatchDeps, PlexItemRef } from '../../../src/services/matching/types';
import type { MatchConflict, Page, PlexMapping, ResolveConflictResponse } from '../../../src/contracts';

let sim: TmdbSim;
let h: Harness;
const hex = (n: number) => n.toString(16).padStart(24, '0');

function deps(): MatchDeps {
  return { tmdb: new TmdbClient({ baseUrl: sim.url, apiKey: sim.apiKey, cache: dbTmdbCache(h.db.db) }), logger: createLogger({}, () => undefined), allowCreate: true };
}

/** A Plex show whose title matches two TMDB shows equally: always a conflict. */
function officeEpisode(n: number, extra: Partial<PlexItemRef> = {}): PlexItemRef {
  return {
    serverUuid: 'srv', type: 'episode', ratingKey: `${n}1`, guid: `plex://episode/${hex(n * 10 + 1)}`, parentGuid: null,
    grandparentGuid: `plex://show/${hex(n * 10)}`, parentRatingKey: null, grandparentRatingKey: `${n}0`, externalGuids: [],
    title: 'Pilot', grandparentTitle: 'The Office', year: null, index: 1, parentIndex: 1, duration: null, ...extra,
  };
}

async function newConflict(n: number, extra: Partial<PlexItemRef> = {}): Promise<{ conflictId: string; mappingId: string }> {
  const out = await matchPlexItem(h.db.db, deps(), officeEpisode(n, extra));
  if (out.status !== 'conflict') throw new Error(`expected a conflict, got ${out.status}`);
  return out;
}

const json = async <T>(res: Response) => (await res.json()) as T;

beforeAll(async () => {
  sim = await startTmdbSim();
  sim.addShow({ id: 2316, name: 'The Office', firstAirDate: '2005-03-24', tvdbId: 73244, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Pilot' }, { number: 2, name: 'Diversity Day' }] }] });
  sim.addShow({ id: 2996, name: 'The Office', firstAirDate: '2001-07-09', tvdbId: 78107, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Downsize' }] }] });
  sim.addShow({ id: 4194, name: 'Bluey', firstAirDate: '2018-10-01', seasons: [{ number: 3, episodes: [{ number: 16, name: 'Dunny' }] }] });
  sim.addShow({ id: 4195, name: 'Bluey', firstAirDate: '1976-01-01', seasons: [{ number: 1, episodes: [{ number: 1, name: 'Old' }] }] });
  h = await createHarness({ TMDB_URL: sim.url }, { tmdbApiKey: sim.apiKey, autoAddShows: true, rateLimitPerMinute: 10_000 });
});
afterAll(async () => {
  await h?.dispose();
  await sim?.close();
});

describe('auth', () => {
  it.each([
    ['GET', '/api/plex/mappings'],
    ['POST', '/api/plex/mappings/pmap_x'],
    ['DELETE', '/api/plex/mappings/pmap_x'],
    ['GET', '/api/plex/conflicts'],
    ['POST', '/api/plex/conflicts/mcf_x/resolve'],
  ])('%s %s needs an admin', async (method, path) => {
    const res = await h.client.request(path, { method, ...(method === 'POST' ? { json: { action: 'ignore' } } : {}) });
    expect(res.status).toBe(401);
    expect(await json<{ error: { code: string } }>(res)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });
});

describe('POST /api/plex/conflicts/:id/resolve', () => {
  it('select: maps the show to the chosen TMDB id and settles later episodes', async () => {
    const { conflictId, mappingId } = await newConflict(1);
    const res = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { json: { action: 'select', tmdbId: 2316 } });
    expect(res.status).toBe(200);
    const body = await json<ResolveConflictResponse>(res);
    expect(body.conflict).toMatchObject({ id: conflictId, status: 'resolved', resolution: { action: 'select', tmdbId: 2316 }, resolvedBy: 'test' });
    expect(body.mapping).toMatchObject({ id: mappingId, status: 'mapped', method: 'manual', confidence: 1, catalog: { tmdbId: 2316, title: 'The Office', year: 2005 }, openConflictId: null });
    const next = await matchPlexItem(h.db.db, deps(), officeEpisode(1, { index: 2, title: 'Diversity Day' }));
    expect(next).toMatchObject({ status: 'matched', kind: 'episode', season: 1, episode: 2, method: 'mapping' });
  });

  it('a second resolve is 409 CONFLICT, even when sent concurrently', async () => {
    const { conflictId } = await newConflict(2);
    const results = await Promise.all([1, 2, 3].map(() => h.api(`/api/plex/conflicts/${conflictId}/resolve`, { json: { action: 'select', tmdbId: 2996 } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const again = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { json: { action: 'ignore' } });
    expect(again.status).toBe(409);
    expect(await json<{ error: { code: string } }>(again)).toMatchObject({ error: { code: 'CONFLICT' } });
  });

  it('create_new: adds the show from Plex metadata', async () => {
    const { conflictId } = await newConflict(3, { grandparentTitle: 'The Office' });
    const res = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { json: { action: 'create_new' } });
    expect(res.status).toBe(200);
    const { mapping } = await json<ResolveConflictResponse>(res);
    expect(mapping).toMatchObject({ status: 'mapped', catalog: { title: 'The Office', tmdbId: null } });
  });

  it('ignore: later episodes of the show are skipped', async () => {
    const { conflictId, mappingId } = await newConflict(4);
    const res = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { json: { action: 'ignore' } });
    expect((await json<ResolveConflictResponse>(res)).mapping).toMatchObject({ status: 'ignored', showId: null });
    expect(await matchPlexItem(h.db.db, deps(), officeEpisode(4, { index: 3 }))).toEqual({ status: 'skipped', mappingId, reason: 'ignored' });
  });

  it('rejects bad input with the right errors', async () => {
    const { conflictId } = await newConflict(5);
    const cases: Array<[unknown, number, string]> = [
      [{ action: 'select', tmdbId: 'abc' }, 400, 'BAD_REQUEST'],
      [{ action: 'select', tmdbId: -4 }, 400, 'BAD_REQUEST'],
      [{ action: 'select', tmdbId: 1.5 }, 400, 'BAD_REQUEST'],
      [{ action: 'select' }, 400, 'BAD_REQUEST'],
      [{ action: 'merge' }, 400, 'BAD_REQUEST'],
      [{ action: 'ignore', extra: true }, 400, 'BAD_REQUEST'],
      [[], 400, 'BAD_REQUEST'],
      [{ action: 'select', tmdbId: 987654 }, 400, 'BAD_REQUEST'], // TMDB has no such show
    ];
    for (const [body, status, code] of cases) {
      const res = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { json: body });
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(await json<{ error: { code: string } }>(res)).toMatchObject({ error: { code } });
    }
    const malformed = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { method: 'POST', body: '{"action":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const unknown = await h.api('/api/plex/conflicts/mcf_doesnotexist/resolve', { json: { action: 'ignore' } });
    expect(unknown.status).toBe(404);
    const badId = await h.api(`/api/plex/conflicts/${encodeURIComponent("x' or 1=1")}/resolve`, { json: { action: 'ignore' } });
    expect(badId.status).toBe(400);
    const huge = await h.api(`/api/plex/conflicts/${conflictId}/resolve`, { method: 'POST', body: JSON.stringify({ action: 'ignore', pad: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    expect(await json<{ error: { code: string } }>(huge)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // Still open after all that.
    expect((await rows(h.db, 'SELECT status FROM match_conflicts WHERE id = $1', [conflictId]))[0]).toEqual({ status: 'open' });
  });

  it('re-processes the webhook events that waited on the conflict', async () => {
    const p = variant(fixture('episode-new-agent-no-guids.scrobble'), { ratingKey: 'wait-1' });
    const res = await h.deliver(p);
    const { id } = await json<{ id: string; status: string }>(res);
    const [ev] = await rows<{ status: string; waiting_conflict_id: string }>(h.db, 'SELECT status, waiting_conflict_id FROM webhook_events WHERE id = $1', [id]);
    expect(ev?.status).toBe('waiting');
    const resolved = await h.api(`/api/plex/conflicts/${ev!.waiting_conflict_id}/resolve`, { json: { action: 'select', tmdbId: 4194 } });
    expect(resolved.status).toBe(200);
    expect(await json<ResolveConflictResponse>(resolved)).toMatchObject({ reprocessed: 1, mapping: { catalog: { tmdbId: 4194 } } });
    expect((await rows(h.db, 'SELECT status FROM webhook_events WHERE id = $1', [id]))[0]).toEqual({ status: 'processed' });
    expect(await rows(h.db, `SELECT e.season, e.episode FROM episodes e JOIN shows s ON s.id = e.show_id WHERE s.tmdb_id = 4194`)).toEqual([{ season: 3, episode: 16 }]);
  });
});

describe('mappings', () => {
  it('lists with filters and keyset pagination', async () => {
    const all: PlexMapping[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.api(`/api/plex/mappings?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page: Page<PlexMapping> = await json<Page<PlexMapping>>(res);
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const total = Number((await rows<{ n: string }>(h.db, 'SELECT count(*) n FROM plex_mappings'))[0]?.n);
    expect(all).toHaveLength(total);
    expect(new Set(all.map((m) => m.id)).size).toBe(total);

    await newConflict(6);
    const conflicts = await json<Page<PlexMapping>>(await h.api('/api/plex/mappings?conflicts=true'));
    expect(conflicts.items.length).toBeGreaterThan(0);
    expect(conflicts.items.every((m) => m.status === 'conflict' && m.openConflictId)).toBe(true);
    const unmapped = await json<Page<PlexMapping>>(await h.api('/api/plex/mappings?unmapped=true&limit=200'));
    expect(unmapped.items.every((m) => m.showId === null && m.movieId === null)).toBe(true);
    expect(unmapped.items.some((m) => m.status === 'ignored')).toBe(true);

    const open = await json<Page<MatchConflict>>(await h.api('/api/plex/conflicts'));
    expect(open.items.every((c) => c.status === 'open')).toBe(true);
    // The show create_new added earlier ("The Office", no TMDB id) is a candidate too now.
    expect(open.items[0]?.candidates.map((c) => c.tmdbId)).toEqual(expect.arrayContaining([2316, 2996, null]));

    for (const q of ['limit=0', 'limit=abc', 'limit=1000', 'cursor=%%%', 'cursor=bm90LWpzb24', 'unmapped=maybe', 'status=closed']) {
      const path = q.startsWith('status') ? `/api/plex/conflicts?${q}` : `/api/plex/mappings?${q}`;
      expect({ q, status: (await h.api(path)).status }).toEqual({ q, status: 400 });
    }
  });

  it('edits: re-point by TMDB id (resolving its conflict), disable sync, stop syncing', async () => {
    const { conflictId, mappingId } = await newConflict(7);
    const res = await h.api(`/api/plex/mappings/${mappingId}`, { json: { tmdbId: '2996' } });
    expect(res.status).toBe(200);
    expect((await json<{ mapping: PlexMapping }>(res)).mapping).toMatchObject({ status: 'mapped', method: 'manual', catalog: { tmdbId: 2996 }, openConflictId: null });
    expect((await rows(h.db, 'SELECT status FROM match_conflicts WHERE id = $1', [conflictId]))[0]).toEqual({ status: 'resolved' });

    const off = await h.api(`/api/plex/mappings/${mappingId}`, { json: { syncEnabled: false } });
    expect((await json<{ mapping: PlexMapping }>(off)).mapping.syncEnabled).toBe(false);
    expect(await matchPlexItem(h.db.db, deps(), officeEpisode(7))).toEqual({ status: 'skipped', mappingId, reason: 'sync-disabled' });
    await h.api(`/api/plex/mappings/${mappingId}`, { json: { syncEnabled: true } });
    expect((await matchPlexItem(h.db.db, deps(), officeEpisode(7))).status).toBe('matched');

    const del = await h.api(`/api/plex/mappings/${mappingId}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await json<{ mapping: PlexMapping }>(del)).mapping.syncEnabled).toBe(false);
    expect((await matchPlexItem(h.db.db, deps(), officeEpisode(7))).status).toBe('skipped');
  });

  it('re-points to a catalog show by id', async () => {
    const { mappingId } = await newConflict(8);
    const [show] = await rows<{ id: string }>(h.db, 'SELECT id FROM shows WHERE tmdb_id = 2316');
    const res = await h.api(`/api/plex/mappings/${mappingId}`, { json: { showId: show!.id } });
    expect((await json<{ mapping: PlexMapping }>(res)).mapping).toMatchObject({ showId: show!.id, status: 'mapped' });
  });

  it('rejects bad edits', async () => {
    const { mappingId } = await newConflict(9);
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', mappingId, {}, 400],
      ['POST', mappingId, { tmdbId: 'abc' }, 400],
      ['POST', mappingId, { tmdbId: 1, showId: 'shw_x' }, 400],
      ['POST', mappingId, { showId: 'shw_nope' }, 400],
      ['POST', mappingId, { movieId: 'mov_x' }, 400],
      ['POST', mappingId, { syncEnabled: 'yes' }, 400],
      ['POST', 'pmap_nope', { syncEnabled: false }, 404],
      ['DELETE', 'pmap_nope', undefined, 404],
    ];
    for (const [method, id, body, status] of cases) {
      const res = await h.api(`/api/plex/mappings/${id}`, { method, ...(body === undefined ? {} : { json: body }) });
      expect({ method, body, status: res.status }).toEqual({ method, body, status });
    }
  });
});
