/**
 * Issue 8, "what held — keep it so": the guarantees the adversarial review could not break, as
 * regression tests where none existed. Routes are enumerated from the app itself, so a route
 * added later is covered without editing this file. Through the real app and a real Postgres
 * (and, for the restart, a Postgres of its own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ws from 'ws';
import { createApp } from '../../src/app';
import { createTestClient, TEST_ORIGIN } from '../support/test-app';
import { fixture, variant } from '../fixtures/plex';
import { createHarness, rows, type Harness } from './plex/harness';
import { createSignInLink } from '../../src/services/auth/sign-in-links';
import { createSession, revokeSession } from '../../src/services/auth/sessions';
import { createAdminToken, revokeAdminToken } from '../../src/services/auth/admin-tokens';
import { TestAgentClient } from '../support/agent-client';
import { freePort } from '../../dev/ports';
import { startLocalPostgres } from '../../dev/postgres';
import { startWsProxy } from '../../dev/ws-proxy';
import { applyMigrations, ensureDatabase } from '../../dev/migrate';
import { createDb } from '../../src/db/client';

const PLEX_TOKEN = 'plexTok-held-3c1d9e7a5b-SENTINEL';
const TMDB_KEY = 'tmdbKey-held-8f2a6c4e0d-SENTINEL';

interface Route {
  method: string;
  path: string;
}

/** Every concrete /api route the app serves (middleware entries left out). */
function apiRoutes(): Route[] {
  const seen = new Set<string>();
  return createApp()
    .routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/'))
    .map((r) => ({ method: r.method, path: r.path }))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

let h: Harness;
let ids: Record<string, string>;
beforeAll(async () => {
  h = await createHarness({}, { plexToken: PLEX_TOKEN, rateLimitPerMinute: 10_000 });
  const delivered = (await (await h.deliver(fixture('episode-legacy-thetvdb.scrobble'), { thumb: false })).json()) as { id: string };
  // The TMDB key after the first match: matching then tries TMDB, which is not reachable here.
  expect((await h.configure({ tmdbApiKey: TMDB_KEY })).status).toBe(200);
  const [show] = await rows<{ id: string }>(h.db, 'SELECT id FROM shows LIMIT 1');
  const [mapping] = await rows<{ id: string }>(h.db, 'SELECT id FROM plex_mappings LIMIT 1');
  await h.db.raw.query(`INSERT INTO match_conflicts (id, mapping_id, candidates, reason) VALUES ('mcf_held', $1, '[]'::jsonb, 'ambiguous')`, [mapping!.id]);
  const job = (await (await h.api('/api/jobs', { method: 'POST', json: { kind: 'agent-selftest', params: {} } })).json()) as { id: string };
  ids = { show: show!.id, event: delivered.id, mapping: mapping!.id, conflict: 'mcf_held', job: job.id, episode: 'ep_x', agent: 'agt_x', session: 'ses_x' };
}, 60_000);
afterAll(() => h?.dispose());

function concrete(p: string): string {
  return p
    .replace('/shows/:id', `/shows/${ids.show}`)
    .replace('/logs/:id', `/logs/${ids.event}`)
    .replace('/mappings/:id', `/mappings/${ids.mapping}`)
    .replace('/conflicts/:id', `/conflicts/${ids.conflict}`)
    .replace('/jobs/:id', `/jobs/${ids.job}`)
    .replace(/:id/g, 'id_x');
}

describe('secrets never appear in an admin GET', () => {
  it('≥ 130 GETs over every GET route and its filters carry no token, key, code or session secret', { timeout: 120_000 }, async () => {
    // Every kind of secret the system holds, created for real.
    const { token: otherAdminToken } = await createAdminToken(h.db.db, 'other');
    const agent = new TestAgentClient('');
    const enrollment = (await (await h.api('/api/agents/enrollments', { method: 'POST', json: { tags: [] } })).json()) as { code: string };
    const enrolled = (await (await h.client.request('/agent/v1/enroll', { method: 'POST', json: { code: enrollment.code, name: 'held', version: '1', hostname: 'h' }, headers: { 'x-plexops-protocol': '1' } })).json()) as { token: string };
    agent.token = enrolled.token;
    const pending = (await (await h.api('/api/agents/enrollments', { method: 'POST', json: { tags: [] } })).json()) as { code: string };
    const session = await createSession(h.db.db, { principalId: 'link:local', principalName: 'admin', via: 'sign-in-link' });
    const link = new URL((await createSignInLink(h.db.db, TEST_ORIGIN)).url).hash.slice('#link='.length);
    const webhookSecret = h.hookPath.split('/').pop()!;
    const secrets = [PLEX_TOKEN, TMDB_KEY, h.client.env.SECRETS_KEY!, h.admin.authorization!.slice(7), otherAdminToken, enrolled.token, enrollment.code, pending.code, session.secret, link];

    const variants: Record<string, string[]> = {
      '/api/plex/logs': ['', '?limit=1', '?status=processed', '?status=ignored', '?event=media.scrobble', '?limit=200'],
      '/api/shows': ['', '?query=break', '?limit=1', '?query=zzz'],
      '/api/movies': ['', '?limit=1', '?query=x'],
      '/api/plex/mappings': ['', '?unmapped=true', '?conflicts=true', '?limit=1'],
      '/api/plex/conflicts': ['', '?status=all', '?status=resolved', '?limit=1'],
      '/api/jobs': ['', '?status=queued', '?limit=1', '?status=succeeded'],
      [`/api/jobs/${ids.job}/logs`]: ['', '?after=-1', '?after=0&limit=1'],
    };
    let gets = 0;
    for (const round of [1, 2, 3, 4]) {
      for (const r of apiRoutes().filter((x) => x.method === 'GET' && !x.path.endsWith('/stream'))) {
        const base = concrete(r.path);
        for (const q of variants[base] ?? ['']) {
          const res = await h.api(`${base}${q}`);
          const body = await res.text();
          gets++;
          expect(res.status, `${base}${q}`).toBeLessThan(500);
          for (const s of secrets) expect(body.includes(s), `${base}${q} (round ${round}) leaks a secret`).toBe(false);
          // The webhook URL (with its secret) is shown where it belongs: the integration's config.
          if (base !== '/api/plex/config') expect(body.includes(webhookSecret), `${base}${q} shows the webhook secret`).toBe(false);
        }
      }
    }
    expect(gets).toBeGreaterThanOrEqual(130);
  });
});

describe('every /api route refuses a caller without valid credentials', () => {
  it('401 with no credentials, a revoked token and a revoked or expired session — for every method and path', { timeout: 120_000 }, async () => {
    const { id, token } = await createAdminToken(h.db.db, 'to-revoke');
    await revokeAdminToken(h.db.db, id);
    const revoked = await createSession(h.db.db, { principalId: 'link:local', principalName: 'admin', via: 'sign-in-link' });
    await revokeSession(h.db.db, revoked.secret);
    const expired = await createSession(h.db.db, { principalId: 'link:local', principalName: 'admin', via: 'sign-in-link' }, new Date(Date.now() - 15 * 24 * 3600_000));
    const anonymous = createTestClient(h.db);
    const callers: Array<[string, Record<string, string>]> = [
      ['nothing', {}],
      ['a revoked token', { authorization: `Bearer ${token}` }],
      ['a malformed token', { authorization: 'Bearer pxo_at_nope' }],
      ['a revoked session', { cookie: `plexops_session=${revoked.secret}` }],
      ['an expired session', { cookie: `plexops_session=${expired.secret}` }],
      ['an agent token', { authorization: 'Bearer pxa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ];
    let checked = 0;
    for (const r of apiRoutes()) {
      for (const [who, headers] of callers) {
        const res = await anonymous.request(concrete(r.path), { method: r.method, headers: { ...headers, 'content-type': 'application/json' }, ...(r.method === 'GET' ? {} : { body: '{}' }) });
        expect(res.status, `${r.method} ${r.path} with ${who}`).toBe(401);
        await res.body?.cancel();
        checked++;
      }
    }
    expect(checked).toBe(apiRoutes().length * callers.length);
    expect(checked).toBeGreaterThanOrEqual(200);
  });
});

describe('cookie-authenticated writes from elsewhere are refused', () => {
  it('403 for every write route with a foreign Origin or none, and nothing changed', { timeout: 120_000 }, async () => {
    const { secret } = await createSession(h.db.db, { principalId: 'link:local', principalName: 'admin', via: 'sign-in-link' });
    const app = createApp();
    const writes = [...apiRoutes().filter((r) => r.method !== 'GET'), { method: 'POST', path: '/auth/sign-out' }, { method: 'POST', path: '/auth/token' }, { method: 'POST', path: '/auth/link' }];
    let checked = 0;
    for (const r of writes) {
      for (const origin of ['https://evil.example', 'null', TEST_ORIGIN.replace('http:', 'https:'), undefined]) {
        const headers: Record<string, string> = { cookie: `plexops_session=${secret}`, 'content-type': 'application/json' };
        if (origin !== undefined) headers.origin = origin;
        const res = await app.request(`${TEST_ORIGIN}${concrete(r.path)}`, { method: r.method, headers, body: '{}' }, h.client.env);
        expect(res.status, `${r.method} ${r.path} from ${origin ?? 'no Origin'}`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(70);
    const me = await app.request(`${TEST_ORIGIN}/api/me`, { headers: { cookie: `plexops_session=${secret}` } }, h.client.env);
    expect(me.status).toBe(200);
  });
});

describe('one-time sign-in links under concurrency', () => {
  it('10 browsers racing one link: exactly one gets a session', async () => {
    const secret = new URL((await createSignInLink(h.db.db, TEST_ORIGIN)).url).hash.slice('#link='.length);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => createTestClient(h.db).request('/auth/link', { json: { secret } }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(9);
  });
});

describe('concurrent identical scrobbles', () => {
  it('6 rounds of 8 concurrent identical deliveries: exactly one play per round', { timeout: 60_000 }, async () => {
    for (let round = 0; round < 6; round++) {
      const p = variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `held-${round}`, index: 40 + round, parentIndex: 4, guid: `com.plexapp.agents.thetvdb://81189/4/${40 + round}?lang=en` });
      const answers = await Promise.all(Array.from({ length: 8 }, async () => ((await (await h.deliver(p, { thumb: false })).json()) as { status: string }).status));
      expect(answers.filter((a) => a === 'accepted'), `round ${round}`).toHaveLength(1);
      const [r] = await rows<{ n: number }>(h.db, `SELECT count(*)::int AS n FROM plays p JOIN episodes e ON e.id = p.item_id WHERE e.season = 4 AND e.episode = $1`, [40 + round]);
      expect(r!.n, `round ${round}`).toBe(1);
    }
  });
});

describe('a Postgres restart', () => {
  it('answers a clean 503 (no stack, no driver text) while Postgres is down, then recovers by itself', { timeout: 120_000 }, async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'plexops-restart-'));
    chmodSync(root, 0o755);
    const port = await freePort();
    const opts = { dataDir: path.join(root, 'data'), port, ephemeral: true };
    let pg = await startLocalPostgres(opts);
    const proxy = await startWsProxy({ allow: [`127.0.0.1:${port}`], port: await freePort() });
    try {
      await ensureDatabase(pg.urlFor('postgres'), 'restart');
      await applyMigrations(pg.urlFor('restart'));
      const seed = createDb({ url: pg.urlFor('restart'), wsProxy: proxy.address, webSocketConstructor: ws });
      const { token } = await createAdminToken(seed.db, 'restart');
      await seed.end();
      const app = createApp();
      const env = { DATABASE_URL: pg.urlFor('restart'), DB_WS_PROXY: proxy.address, ENVIRONMENT: 'test' };
      const get = (p: string) => app.request(`${TEST_ORIGIN}${p}`, { headers: { authorization: `Bearer ${token}` } }, env);
      expect((await get('/api/jobs')).status).toBe(200);
      await pg.stop();
      for (const p of ['/healthz', '/api/jobs', '/api/plex/config']) {
        const down = await get(p);
        expect(down.status, p).toBe(503);
        const text = await down.text();
        expect(JSON.parse(text).error.code, p).toBe('DB_UNAVAILABLE');
        expect(text, p).not.toMatch(/at \w+ \(|ECONNREFUSED|node_modules|\.ts:\d+/);
      }
      pg = await startLocalPostgres(opts);
      expect((await get('/api/jobs')).status).toBe(200);
      expect((await get('/healthz')).status).toBe(200);
    } finally {
      await proxy.close();
      await pg.stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
