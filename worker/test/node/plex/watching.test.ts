import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../fixtures/plex';
import { createHarness, rows, type Harness } from './harness';

/** Accounts and their names, resume points, next up, and marking a season for any account. */
let h: Harness;
let showId: string;

const alice = { id: 1, title: 'alice' };
const bob = { id: 2, title: 'bob' };

function ep(event: string, account: { id: number; title: string }, s: number, e: number, meta: Record<string, unknown> = {}): Payload {
  return {
    ...variant(fixture('episode-new-agent-no-guids.scrobble'), {
      ratingKey: `w-${s}-${e}-${event}-${account.id}`, guid: `plex://episode/w${s}${e}`, grandparentGuid: 'plex://show/watching0001',
      grandparentTitle: 'Slow Horses', title: `Episode ${e}`, parentIndex: s, index: e, ...meta,
    }, { Account: account }),
    event,
  };
}

async function deliver(p: Payload): Promise<void> {
  expect((await h.deliver(p, { thumb: false })).status).toBe(200);
}
const json = async (res: Response): Promise<any> => res.json();

beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000, trackedAccountIds: [1, 2, 3] });
  await deliver(ep('media.scrobble', alice, 1, 1));
  await deliver(ep('media.scrobble', alice, 1, 2));
  await deliver(ep('media.scrobble', bob, 1, 3));
  await deliver(ep('media.pause', bob, 1, 1, { viewOffset: 210_000, duration: 420_000 }));
  await deliver({ ...variant(fixture('movie-new-agent.scrobble'), { viewOffset: 600_000, ratingKey: 'w-movie', Guid: [] }, { Account: alice }), event: 'media.stop' });
  showId = (await rows<{ id: string }>(h.db, `SELECT id FROM shows WHERE title = 'Slow Horses'`))[0]!.id;
});
afterAll(() => h?.dispose());

describe('/api/accounts', () => {
  it('lists every account seen, and tracked ids not seen yet, with the name to show', async () => {
    const { items } = await json(await h.api('/api/accounts'));
    expect(items.map((a: any) => [a.id, a.name, a.tracked, a.lastSeenAt === null])).toEqual([
      ['1', 'alice', true, false],
      ['2', 'bob', true, false],
      ['3', 'Plex account 3', true, true],
    ]);
  });

  it('renames an account (seen or only tracked); null goes back to the name from Plex', async () => {
    const carol = await h.api('/api/accounts/3', { method: 'PUT', json: { displayName: '  Carol  ' } });
    expect(carol.status).toBe(200);
    expect((await json(carol)).account).toMatchObject({ id: '3', name: 'Carol', displayName: 'Carol', plexTitle: null, lastSeenAt: null });
    expect((await json(await h.api('/api/accounts/1', { method: 'PUT', json: { displayName: 'Alice (living room)' } }))).account.name).toBe('Alice (living room)');
    const totals = await json(await h.api(`/api/shows/${showId}`));
    expect(totals.totals.find((t: any) => t.accountId === '1').accountTitle).toBe('Alice (living room)');
    expect((await json(await h.api('/api/accounts/1', { method: 'PUT', json: { displayName: null } }))).account.name).toBe('alice');
  });

  it('refuses unknown accounts and bad names with a field message', async () => {
    expect((await h.api('/api/accounts/99', { method: 'PUT', json: { displayName: 'X' } })).status).toBe(404);
    expect((await h.api('/api/accounts/abc', { method: 'PUT', json: { displayName: 'X' } })).status).toBe(400);
    for (const displayName of ['', '   ', 'a'.repeat(61), 'tab\there', 'nul\u0000', 'lone\uD800', 42]) {
      const res = await h.api('/api/accounts/2', { method: 'PUT', json: { displayName } });
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.error.issues[0].path).toBe('displayName');
    }
    const empty = await json(await h.api('/api/accounts/2', { method: 'PUT', json: { displayName: '' } }));
    expect(empty.error.issues[0].message).toMatch(/^Name is required/);
  });
});

describe('/api/watching', () => {
  it('lists resume points from pause/stop events, newest first, per account', async () => {
    const { inProgress } = await json(await h.api('/api/watching'));
    expect(inProgress.map((p: any) => `${p.accountId}:${p.kind}:${p.title}:${p.season ?? '-'}:${p.viewOffsetMs}:${p.state}`)).toEqual([
      '1:movie:The Shawshank Redemption:-:600000:stopped',
      '2:episode:Slow Horses:1:210000:paused',
    ]);
    const bobs = await json(await h.api('/api/watching?accountId=2'));
    expect(bobs.inProgress).toHaveLength(1);
    expect((await h.api('/api/watching?accountId=x')).status).toBe(400);
  });

  it('next up: the first later episode the catalog knows and the account has not seen', async () => {
    const { nextUp } = await json(await h.api('/api/watching'));
    // alice saw E1, E2 → E3 (known because bob played it). bob's last is E3, and nothing later is known: no guess.
    expect(nextUp).toEqual([
      expect.objectContaining({ accountId: '1', showTitle: 'Slow Horses', last: { season: 1, episode: 2 }, next: expect.objectContaining({ season: 1, episode: 3 }), watchedEpisodes: 2, totalEpisodes: null }),
    ]);
  });

  it('finishing a resume point clears it', async () => {
    await deliver(ep('media.scrobble', bob, 1, 1));
    expect((await json(await h.api('/api/watching?accountId=2'))).inProgress).toEqual([]);
  });
});

describe('POST /api/shows/:id/seasons/:season/watched', () => {
  it('marks every known episode of the season for any tracked account, then unmarks', async () => {
    const res = await h.api(`/api/shows/${showId}/seasons/1/watched`, { method: 'POST', json: { accountId: '3', watchedAt: '2025-03-01T20:00:00Z' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ showId, season: 1, episodes: 3, watched: true });
    const detail = await json(await h.api(`/api/shows/${showId}`));
    expect(detail.totals.find((t: any) => t.accountId === '3')).toMatchObject({ accountTitle: 'Carol', watchedEpisodes: 3, plays: 3 });

    // alice's earlier real dates survive a later manual season mark.
    const before = await rows<{ watched_at: Date }>(h.db, `SELECT watched_at FROM watch_state WHERE account_id = '1' AND show_id = $1 ORDER BY watched_at`, [showId]);
    await h.api(`/api/shows/${showId}/seasons/1/watched`, { method: 'POST', json: { accountId: '1' } });
    const after = await rows<{ watched_at: Date }>(h.db, `SELECT watched_at FROM watch_state WHERE account_id = '1' AND show_id = $1 ORDER BY watched_at`, [showId]);
    expect(after.slice(0, 2)).toEqual(before);

    const unmark = await h.api(`/api/shows/${showId}/seasons/1/watched`, { method: 'POST', json: { accountId: '3', watched: false } });
    expect(await json(unmark)).toMatchObject({ episodes: 3, watched: false });
    // Nothing watched any more: no longer among the show's totals.
    expect((await json(await h.api(`/api/shows/${showId}`))).totals.find((t: any) => t.accountId === '3')).toBeUndefined();
  });

  it('bad input: unknown season 404, future date 400 with a field message, malformed 400', async () => {
    expect((await h.api(`/api/shows/${showId}/seasons/7/watched`, { method: 'POST', json: { accountId: '3' } })).status).toBe(404);
    const future = await h.api(`/api/shows/${showId}/seasons/1/watched`, { method: 'POST', json: { accountId: '3', watchedAt: '2999-01-01T00:00:00Z' } });
    expect(future.status).toBe(400);
    expect((await json(future)).error.issues[0]).toEqual({ path: 'watchedAt', message: 'The watched date is in the future.' });
    expect((await h.api(`/api/shows/${showId}/seasons/-1/watched`, { method: 'POST', json: { accountId: '3' } })).status).toBe(400);
    expect((await h.api(`/api/shows/${showId}/seasons/99999999999999999999/watched`, { method: 'POST', json: { accountId: '3' } })).status).toBe(400);
    expect((await h.api(`/api/shows/${showId}/seasons/1/watched`, { method: 'POST', json: { accountId: 'carol' } })).status).toBe(400);
  });
});
