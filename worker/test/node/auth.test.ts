/**
 * Admin authentication end to end through the real app and a real Postgres: admin tokens,
 * sessions, one-time links, Origin checks, and Sign in with Plex against the plex.tv simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb, type TestDb } from '../support/test-db';
import { createTestClient, readJson, TEST_ORIGIN } from '../support/test-app';
import { startPlexTvSim, type PlexTvSim } from '../sims/plex-tv';
import { createAdminToken, revokeAdminToken } from '../../src/services/auth/admin-tokens';
import { createSignInLink } from '../../src/services/auth/sign-in-links';
import { adminSessions, adminTokens } from '../../src/db/schema';

let db: TestDb;
let plex: PlexTvSim;
const OWNER = { id: 1001, username: 'owner', email: 'owner@example.test' };
const STRANGER = { id: 2002, username: 'stranger' };

beforeAll(async () => {
  db = await createTestDb();
  plex = await startPlexTvSim({ accounts: [OWNER, STRANGER] });
});
afterAll(async () => {
  await plex?.close();
  await db?.drop();
});

const client = (env = {}) => createTestClient(db, { PLEX_TV_URL: plex.url, ADMIN_PLEX_ACCOUNT_IDS: `${OWNER.id}, 3003`, ...env });

describe('every /api route requires credentials', () => {
  it('401 JSON without a session or token', async () => {
    for (const path of ['/api/me', '/api/anything', '/api/plex/config']) {
      const res = await client().request(path);
      expect(res.status).toBe(401);
      expect((await readJson(res)).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('401 for a bad, malformed or revoked bearer token', async () => {
    const { id, token } = await createAdminToken(db.db, 'to-revoke');
    expect((await client().request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await revokeAdminToken(db.db, id);
    for (const auth of [`Bearer ${token}`, 'Bearer pxo_at_nope', 'Bearer ', 'Basic abc', `Bearer ${'x'.repeat(5000)}`, "Bearer ' OR 1=1 --"]) {
      const res = await client().request('/api/me', { headers: { authorization: auth } });
      expect(res.status, auth.slice(0, 30)).toBe(401);
    }
  });

  it('stores only hashes of tokens', async () => {
    const { id, token } = await createAdminToken(db.db, 'hash-check');
    const [row] = await db.db.select().from(adminTokens).where(eq(adminTokens.id, id));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token.slice(7));
  });
});

describe('token sign-in and sessions', () => {
  it('signs in with a token, sets an HttpOnly SameSite=Lax cookie, and signs out', async () => {
    const { token } = await createAdminToken(db.db, 'alice');
    const c = client();
    const res = await c.request('/auth/token', { json: { token } });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^plexops_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // plain http in this test
    const me = await readJson(await c.request('/api/me'));
    expect(me.principal).toMatchObject({ kind: 'session', name: 'alice', via: 'admin-token' });

    expect((await c.request('/auth/sign-out', { method: 'POST' })).status).toBe(200);
    expect((await c.request('/api/me')).status).toBe(401);
  });

  it('uses a __Host- Secure cookie over https', async () => {
    const { token } = await createAdminToken(db.db, 'https');
    const c = client();
    const res = await c.request('/auth/token', { json: { token } });
    expect(res.status).toBe(200);
    // createTestClient uses http; drive https directly through the app
    const { createApp } = await import('../../src/app');
    const httpsRes = await createApp().request(
      'https://plexops.example/auth/token',
      { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://plexops.example' }, body: JSON.stringify({ token }) },
      c.env,
    );
    expect(httpsRes.headers.get('set-cookie')).toMatch(/^__Host-plexops_session=.*Secure/);
  });

  it('rejects a wrong token, malformed JSON, a missing field and an oversized body', async () => {
    const c = client();
    expect((await c.request('/auth/token', { json: { token: 'pxo_at_wrong' } })).status).toBe(401);
    const malformed = await c.request('/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":' });
    expect(malformed.status).toBe(400);
    expect((await readJson(malformed)).error.code).toBe('BAD_REQUEST');
    const missing = await c.request('/auth/token', { json: {} });
    expect(missing.status).toBe(400);
    expect((await readJson(missing)).error.issues[0].path).toBe('token');
    const big = await c.request('/auth/token', { json: { token: 'x'.repeat(100_000) } });
    expect(big.status).toBe(413);
    expect((await readJson(big)).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an expired session is refused with 401', async () => {
    const { token } = await createAdminToken(db.db, 'expiring');
    const c = client();
    await c.request('/auth/token', { json: { token } });
    await db.db.update(adminSessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(adminSessions.principalName, 'expiring'));
    const res = await c.request('/api/me');
    expect(res.status).toBe(401);
    expect((await readJson(res)).error.message).toMatch(/expired/);
  });

  it('refuses cookie-authenticated writes from another Origin or with no Origin', async () => {
    const { token } = await createAdminToken(db.db, 'csrf');
    const c = client();
    await c.request('/auth/token', { json: { token } });
    const evil = await c.request('/auth/sign-out', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect((await readJson(evil)).error.code).toBe('FORBIDDEN');
    const { createApp } = await import('../../src/app');
    const bare = await createApp().request(`${TEST_ORIGIN}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }, c.env);
    expect(bare.status).toBe(403);
    // still signed in: the refused request changed nothing
    expect((await c.request('/api/me')).status).toBe(200);
  });
});

describe('one-time sign-in links', () => {
  it('work exactly once', async () => {
    const { url } = await createSignInLink(db.db, TEST_ORIGIN);
    const secret = new URL(url).hash.replace('#link=', '');
    const c = client();
    expect((await c.request('/auth/link', { json: { secret } })).status).toBe(200);
    const me = await c.request('/api/me');
    expect(me.status).toBe(200);
    // Shown as a person, never as its id "link:local".
    expect((await readJson(me)).principal).toMatchObject({ name: 'Local admin', via: 'sign-in-link' });
    const again = await client().request('/auth/link', { json: { secret } });
    expect(again.status).toBe(401);
    expect((await readJson(again)).error.message).toMatch(/already used or has expired/);
  });

  it('a link made for someone signs them in under that name', async () => {
    const { url } = await createSignInLink(db.db, TEST_ORIGIN, new Date(), 'Dana');
    const c = client();
    expect((await c.request('/auth/link', { json: { secret: new URL(url).hash.replace('#link=', '') } })).status).toBe(200);
    expect((await readJson(await c.request('/api/me'))).principal).toMatchObject({ name: 'Dana' });
  });

  it('expired links fail', async () => {
    const { url } = await createSignInLink(db.db, TEST_ORIGIN, new Date(Date.now() - 16 * 60 * 1000));
    const secret = new URL(url).hash.replace('#link=', '');
    expect((await client().request('/auth/link', { json: { secret } })).status).toBe(401);
  });
});

describe('Sign in with Plex (PIN flow against the plex.tv simulator)', () => {
  async function start(c: ReturnType<typeof client>) {
    const res = await c.request('/auth/plex/start', { method: 'POST' });
    expect(res.status).toBe(201);
    return readJson(res) as Promise<{ pinId: number; code: string; authUrl: string }>;
  }

  it('pending until approved, then a session for an allowed account', async () => {
    const c = client();
    const pin = await start(c);
    expect(pin.authUrl).toMatch(/^https:\/\/app\.plex\.tv\/auth#\?/);
    expect(pin.authUrl).toContain(`code=${pin.code}`);
    const pending = await c.request('/auth/plex/check', { json: { pinId: pin.pinId } });
    expect(pending.status).toBe(202);
    expect(await readJson(pending)).toEqual({ status: 'pending' });

    plex.authorizePin(pin.pinId, OWNER.id);
    const done = await c.request('/auth/plex/check', { json: { pinId: pin.pinId } });
    expect(done.status).toBe(200);
    expect(await readJson(done)).toEqual({ status: 'signed-in', name: 'owner' });
    const me = await readJson(await c.request('/api/me'));
    expect(me.principal).toMatchObject({ id: `plex:${OWNER.id}`, via: 'plex' });
    // the PIN cannot be used twice
    expect((await c.request('/auth/plex/check', { json: { pinId: pin.pinId } })).status).toBe(410);
    // the client identifier is stable and sent on every plex.tv call
    const ids = new Set(plex.requests.map((r) => r.headers['x-plex-client-identifier']));
    expect(ids.size).toBe(1);
  });

  it('refuses an account that is not on the allow-list, with its id in the message', async () => {
    const c = client();
    const pin = await start(c);
    plex.authorizePin(pin.pinId, STRANGER.id);
    const res = await c.request('/auth/plex/check', { json: { pinId: pin.pinId } });
    expect(res.status).toBe(403);
    const body = await readJson(res);
    expect(body.error.code).toBe('FORBIDDEN');
    expect(body.error.message).toContain(String(STRANGER.id));
    expect((await c.request('/api/me')).status).toBe(401);
    const sessions = await db.db.select().from(adminSessions).where(eq(adminSessions.principalId, `plex:${STRANGER.id}`));
    expect(sessions).toHaveLength(0);
  });

  it('a PIN cannot be finished from a browser that did not start it', async () => {
    const pin = await start(client());
    plex.authorizePin(pin.pinId, OWNER.id);
    const other = client();
    const res = await other.request('/auth/plex/check', { json: { pinId: pin.pinId } });
    expect(res.status).toBe(410);
    expect((await other.request('/api/me')).status).toBe(401);
  });

  it('an expired PIN → 410 GONE; plex.tv down → 502 UPSTREAM_UNAVAILABLE', async () => {
    const c = client();
    const pin = await start(c);
    plex.expirePin(pin.pinId);
    const res = await c.request('/auth/plex/check', { json: { pinId: pin.pinId } });
    expect(res.status).toBe(410);
    const down = await client({ PLEX_TV_URL: 'http://127.0.0.1:1' }).request('/auth/plex/start', { method: 'POST' });
    expect(down.status).toBe(502);
    expect((await readJson(down)).error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('never stores the Plex token', async () => {
    const rows = await db.raw.query("SELECT * FROM plex_sign_ins");
    expect(rows.rowCount).toBeGreaterThan(0);
    const tokens = [...plex.requests].map((r) => r.headers['x-plex-token']).filter(Boolean) as string[];
    const dump = JSON.stringify((await db.raw.query('SELECT * FROM admin_sessions')).rows) + JSON.stringify(rows.rows);
    expect(tokens.length).toBeGreaterThan(0);
    for (const t of tokens) expect(dump).not.toContain(t);
  });

  it('rejects malformed check requests', async () => {
    const c = client();
    for (const json of [{}, { pinId: 'abc' }, { pinId: -1 }, { pinId: 1.5 }]) {
      expect((await c.request('/auth/plex/check', { json })).status).toBe(400);
    }
  });
});

describe('Sign in with Plex when no Plex account is allowed (ADMIN_PLEX_ACCOUNT_IDS unset)', () => {
  it('GET /auth/methods tells the sign-in page, without a session', async () => {
    const off = await client({ ADMIN_PLEX_ACCOUNT_IDS: undefined }).request('/auth/methods');
    expect(off.status).toBe(200);
    expect(off.headers.get('cache-control')).toBe('no-store');
    expect(await readJson(off)).toEqual({ token: true, link: true, plex: false });
    expect(await readJson(await client({ ADMIN_PLEX_ACCOUNT_IDS: ' , ' }).request('/auth/methods'))).toMatchObject({ plex: false });
    expect(await readJson(await client().request('/auth/methods'))).toMatchObject({ plex: true });
  });

  it('start and check answer 403 saying how to turn it on, and never call plex.tv', async () => {
    const c = client({ ADMIN_PLEX_ACCOUNT_IDS: '' });
    const before = plex.requests.length;
    for (const [path, init] of [
      ['/auth/plex/start', { method: 'POST' }],
      ['/auth/plex/check', { json: { pinId: 1 } }],
    ] as const) {
      const res = await c.request(path, init);
      expect(res.status).toBe(403);
      const body = await readJson(res);
      expect(body.error.code).toBe('FORBIDDEN');
      expect(body.error.message).toMatch(/Sign in with Plex is off.*ADMIN_PLEX_ACCOUNT_IDS/);
    }
    expect(plex.requests.length).toBe(before);
  });
});
