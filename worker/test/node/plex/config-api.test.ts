import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture, variant } from '../../fixtures/plex';
import { createTestClient } from '../../support/test-app';
import { createHarness, rows, type Harness } from './harness';

const PLEX_TOKEN = 'plexTOKEN-zzQQ7781-secret';
const TMDB_KEY = '0123456789abcdef0123456789abcdef';

let h: Harness;
const logs: string[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void logs.push(args.map(String).join(' ')));
  h = await createHarness();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await h?.dispose();
});

async function json(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  bodies.push(text);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('/api/plex/config', () => {
  it('needs admin auth', async () => {
    expect((await h.client.request('/api/plex/config')).status).toBe(401);
  });

  it('GET shows defaults, an absolute webhookUrl and no secrets', async () => {
    const body = await json(await h.api('/api/plex/config'));
    expect(body).toMatchObject({
      enabled: true,
      autoAddShows: true,
      autoMarkWatched: true,
      watchedThreshold: 0.9,
      trackedAccountIds: [],
      serverUuid: null,
      hasPlexToken: false,
      hasTmdbKey: false,
      webhookUrl: expect.stringMatching(/^https:\/\/plexops\.example\.com\/webhooks\/plex\/[\w-]{43}$/),
    });
  });

  it('PUT stores secrets encrypted and never returns them', async () => {
    const res = await h.configure({ plexToken: PLEX_TOKEN, tmdbApiKey: TMDB_KEY, watchedThreshold: 0.85, trackedAccountIds: [1, '24680135'] });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ hasPlexToken: true, hasTmdbKey: true, watchedThreshold: 0.85, trackedAccountIds: ['1', '24680135'] });
    const [row] = await rows<{ plex_token_enc: string; tmdb_api_key_enc: string }>(h.db, 'SELECT plex_token_enc, tmdb_api_key_enc FROM plex_config');
    expect(row!.plex_token_enc).toMatch(/^v1\./);
    expect(row!.plex_token_enc).not.toContain(PLEX_TOKEN);
    expect(row!.tmdb_api_key_enc).not.toContain(TMDB_KEY);
    await json(await h.api('/api/plex/config'));
    await json(await h.api('/api/plex/stats'));
    await json(await h.api('/api/plex/logs'));
  });

  it('rejects invalid config with 400 and field issues', async () => {
    for (const bad of [{ watchedThreshold: 1.5 }, { watchedThreshold: -0.1 }, { trackedAccountIds: ['bob'] }, { enabled: 'yes' }, { unknownField: 1 }]) {
      const res = await h.configure(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(((await json(res)).error as { code: string }).code).toBe('BAD_REQUEST');
    }
  });

  it('clearing a secret with null works; storing one without SECRETS_KEY is BAD_ENVIRONMENT', async () => {
    const noKey = createTestClient(h.db, {});
    const res = await noKey.request('/api/plex/config', { method: 'PUT', json: { plexToken: 'x-token' }, headers: h.admin });
    expect(res.status).toBe(500);
    expect(((await json(res)).error as { code: string; message: string }).code).toBe('BAD_ENVIRONMENT');
    const plain = await noKey.request('/api/plex/config', { method: 'PUT', json: { autoAddShows: true }, headers: h.admin });
    expect(plain.status).toBe(200);
    const cleared = await json(await h.configure({ tmdbApiKey: null }));
    expect(cleared).toMatchObject({ hasTmdbKey: false, hasPlexToken: true });
  });

  it('DELETE disables the integration: deliveries are stored as ignored', async () => {
    expect(await json(await h.api('/api/plex/config', { method: 'DELETE' }))).toMatchObject({ enabled: false });
    const res = await h.deliver(variant(fixture('episode-legacy.pause'), { ratingKey: 'disabled' }));
    expect(await json(res)).toMatchObject({ status: 'ignored' });
    await h.configure({ enabled: true });
  });
});

describe('secret rotation', () => {
  it('keeps the old secret valid during the grace period, then 404', async () => {
    const oldPath = h.hookPath;
    const rotated = await json(await h.api('/api/plex/config/rotate-secret', { method: 'POST' }));
    const newPath = new URL(rotated.webhookUrl as string).pathname;
    expect(newPath).not.toBe(oldPath);
    expect(Date.parse(rotated.previousValidUntil as string)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const send = (path: string, key: string) => {
      const d = variant(fixture('device.new'), {}, { Player: { uuid: key } });
      return h.client.request(path, { method: 'POST', json: d });
    };
    expect((await send(oldPath, 'a')).status).toBe(200);
    expect((await send(newPath, 'b')).status).toBe(200);
    expect((await json(await h.api('/api/plex/config'))).webhookUrl).toBe(rotated.webhookUrl);
    await h.db.raw.query(`UPDATE plex_webhook_secrets SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL`);
    expect((await send(oldPath, 'c')).status).toBe(404);
    expect((await send(newPath, 'd')).status).toBe(200);
    h.hookPath = newPath;
  });
});

describe('rate limit per secret (in Postgres, so it holds across isolates)', () => {
  it('answers 429 with Retry-After past the limit', async () => {
    await h.configure({ rateLimitPerMinute: 5 });
    // Pre-count this minute and the next, so the outcome does not depend on when the minute turns.
    await h.db.raw.query(`
      INSERT INTO webhook_rate_windows (secret_id, window_start, count)
      SELECT id, date_trunc('minute', now()) + m * interval '1 minute', 3 FROM plex_webhook_secrets, (VALUES (0), (1)) AS v(m)
      ON CONFLICT (secret_id, window_start) DO UPDATE SET count = 3`);
    // A second app instance stands in for another isolate: the count is shared.
    const other = createTestClient(h.db, { SECRETS_KEY: 'unused' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const c = i % 2 ? other : h.client;
      const res = await c.request(h.hookPath, { method: 'POST', json: variant(fixture('device.new'), {}, { Player: { uuid: `rl-${i}` } }) });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        expect(((await json(res)).error as { code: string }).code).toBe('RATE_LIMITED');
      }
    }
    // 2 fit in a minute's remaining budget (4 if the minute turned mid-way); the rest are refused.
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    await h.configure({ rateLimitPerMinute: 10_000 });
  });
});

describe('logs and stats', () => {
  it('lists newest first with cursor pagination and filters', async () => {
    const page1 = await json(await h.api('/api/plex/logs?limit=2'));
    expect((page1.items as unknown[]).length).toBe(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await json(await h.api(`/api/plex/logs?limit=2&cursor=${page1.nextCursor as string}`));
    const ids1 = (page1.items as Array<{ id: string }>).map((i) => i.id);
    const ids2 = (page2.items as Array<{ id: string }>).map((i) => i.id);
    expect(ids1.filter((id) => ids2.includes(id))).toEqual([]);
    const ignored = await json(await h.api('/api/plex/logs?status=ignored&event=device.new'));
    expect((ignored.items as Array<{ status: string; event: string }>).every((i) => i.status === 'ignored' && i.event === 'device.new')).toBe(true);
    expect((await h.api('/api/plex/logs?cursor=garbage')).status).toBe(400);
    expect((await h.api('/api/plex/logs?status=bogus')).status).toBe(400);
    const detail = await json(await h.api(`/api/plex/logs/${ids1[0]!}`));
    expect(detail).toMatchObject({ id: ids1[0], payload: expect.any(Object), headers: expect.any(Object) });
    expect((await h.api('/api/plex/logs/whe_missing')).status).toBe(404);
  });

  it('stats count webhooks by status and plays per day', async () => {
    const s = await json(await h.api('/api/plex/stats'));
    expect(s).toMatchObject({ unresolvedConflicts: expect.any(Number), lastWebhookAt: expect.any(String) });
    expect((s.webhooks as { last24h: Record<string, number> }).last24h.ignored).toBeGreaterThan(0);
    expect((s.playsPerDay as unknown[]).length).toBe(30);
  });
});

describe('secrets never leak', () => {
  it('no response body and no log line contains the Plex token, the TMDB key or SECRETS_KEY', () => {
    const haystack = [...bodies, ...logs].join('\n');
    expect(haystack.length).toBeGreaterThan(100);
    for (const secret of [PLEX_TOKEN, TMDB_KEY]) expect(haystack).not.toContain(secret);
  });
});
