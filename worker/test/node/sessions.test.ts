/**
 * Issue 8 item 5: a session traded for an admin token dies with the token, and people can see
 * and end sessions — through the admin API and `npm run admin:token` (the real CLI, run as a
 * child process against this test's database).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDb, type TestDb } from '../support/test-db';
import { createTestClient, readJson, type TestClient } from '../support/test-app';
import { createAdminToken, revokeAdminToken } from '../../src/services/auth/admin-tokens';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db?.drop());

/** A browser that signed in by trading `token` for a session cookie. */
async function browser(token: string, userAgent = 'Mozilla/5.0 (test phone)'): Promise<TestClient> {
  const c = createTestClient(db);
  const res = await c.request('/auth/token', { json: { token }, headers: { 'user-agent': userAgent } });
  expect(res.status).toBe(200);
  return c;
}

const me = async (c: TestClient) => (await c.request('/api/me')).status;

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'worker/dev/admin-token-cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
      timeout: 60_000,
    });
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('revoking an admin token', () => {
  it('ends the sessions traded for it, at once (npm run admin:token -- --revoke)', async () => {
    const { id, token } = await createAdminToken(db.db, 'stolen');
    const thief = await browser(token);
    const other = await browser((await createAdminToken(db.db, 'other')).token);
    expect(await me(thief)).toBe(200);
    const r = await cli('--revoke', id);
    expect(r, r.out).toMatchObject({ code: 0 });
    expect(r.out).toMatch(new RegExp(`revoked ${id}; 1 session made with it ended`));
    expect(await me(thief)).toBe(401);
    expect(await me(other)).toBe(200);
  });

  it('a session whose token was revoked without ending it (before this rule) is refused anyway', async () => {
    const { id, token } = await createAdminToken(db.db, 'old-style');
    const c = await browser(token);
    await db.raw.query(`UPDATE admin_tokens SET revoked_at = now() WHERE id = $1`, [id]);
    expect(await me(c)).toBe(401);
    // Revoking again ends the session rows too.
    expect(await revokeAdminToken(db.db, id)).toEqual({ revoked: false, sessions: 1 });
  });
});

describe('/api/sessions', () => {
  it('lists who, created, last seen and user agent, marks the caller; ends one; ends all others', async () => {
    const { token } = await createAdminToken(db.db, 'alice');
    const phone = await browser(token, 'Phone/1.0');
    const laptop = await browser(token, 'Laptop/2.0');
    const list = await readJson(await laptop.request('/api/sessions'));
    const mine = list.items.filter((s: { principalName: string }) => s.principalName === 'alice');
    expect(mine).toHaveLength(2);
    expect(mine.find((s: { current: boolean }) => s.current)).toMatchObject({ userAgent: 'Laptop/2.0', via: 'admin-token', principalId: expect.stringMatching(/^token:atk_/) });
    const phoneSession = mine.find((s: { userAgent: string }) => s.userAgent === 'Phone/1.0');
    expect(phoneSession).toMatchObject({ current: false, createdAt: expect.any(String), lastSeenAt: expect.any(String) });
    expect(JSON.stringify(list)).not.toMatch(/secret|hash/i);

    expect((await laptop.request(`/api/sessions/${phoneSession.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await me(phone)).toBe(401);
    expect((await laptop.request(`/api/sessions/${phoneSession.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await laptop.request('/api/sessions/bad%00id', { method: 'DELETE' })).status).toBe(400);

    const tablet = await browser(token, 'Tablet/3.0');
    const r = await readJson(await laptop.request('/api/sessions/revoke-others', { method: 'POST' }));
    expect(r.revoked).toBeGreaterThanOrEqual(1);
    expect(await me(tablet)).toBe(401);
    expect(await me(laptop)).toBe(200);
  });

  it('refuses a cross-origin cookie write', async () => {
    const c = await browser((await createAdminToken(db.db, 'csrf')).token);
    expect((await c.request('/api/sessions/revoke-others', { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(await me(c)).toBe(200);
  });

  it('npm run admin:token -- --sessions lists them; --revoke-session ends one', async () => {
    const c = await browser((await createAdminToken(db.db, 'cli-user')).token, 'CliBrowser/9');
    const listed = await cli('--sessions');
    expect(listed.code, listed.out).toBe(0);
    const line = listed.out.split('\n').find((l) => l.includes('CliBrowser/9'));
    expect(line).toMatch(/^ses_\S+ {2}cli-user \(token:atk_\S+, via admin-token\) {2}created \S+ {2}last seen \S+ {2}CliBrowser\/9$/);
    const id = line!.split(' ')[0]!;
    expect((await cli('--revoke-session', id)).out).toMatch(`ended session ${id}`);
    expect(await me(c)).toBe(401);
  });
});
