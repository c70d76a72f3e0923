/**
 * Issue 8 item 9: cookie and header hygiene. Over https only the `__Host-` session cookie opens a
 * session (a plain-named one can be planted by a sibling subdomain or a plain-http page); every
 * response — the Worker's own and the admin's static assets in workerd — carries a CSP with
 * `frame-ancestors 'none'`, `nosniff` and a Referrer-Policy; API responses holding settings are
 * `no-store`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createTestDb, type TestDb } from '../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../support/workerd-server';
import { wsProxyAddress } from '../support/test-env';
import { createApp } from '../../src/app';
import type { Bindings } from '../../src/env';
import { createAdminToken } from '../../src/services/auth/admin-tokens';
import { createSession } from '../../src/services/auth/sessions';

let db: TestDb;
let server: WorkerdServer;
let env: Bindings;
let auth: Record<string, string>;
beforeAll(async () => {
  db = await createTestDb();
  env = { DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', SECRETS_KEY: btoa('k'.repeat(32)) };
  server = await startWorkerdServer(env as Record<string, string>);
  auth = { authorization: `Bearer ${(await createAdminToken(db.db, 'headers')).token}` };
}, 60_000);
afterAll(async () => {
  await server?.dispose();
  await db?.drop();
});

const app = createApp();
const HTTPS = 'https://plexops.example';

function expectSecurityHeaders(res: Response, where: string): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp, where).toMatch(/frame-ancestors 'none'/);
  expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
  expect(res.headers.get('referrer-policy'), where).toBe('no-referrer');
  expect(res.headers.get('x-frame-options'), where).toBe('DENY');
}

describe('the session cookie over https', () => {
  it('only __Host-plexops_session is read; the plain name is ignored (no fallback)', async () => {
    const { secret } = await createSession(db.db, { principalId: 'link:local', principalName: 'admin', via: 'sign-in-link' });
    const me = (cookie: string, base = HTTPS) => app.request(`${base}/api/me`, { headers: { cookie } }, env);
    expect((await me(`__Host-plexops_session=${secret}`)).status).toBe(200);
    expect((await me(`plexops_session=${secret}`)).status).toBe(401);
    // Planted plain cookie next to a missing secure one: still nothing.
    expect((await me(`plexops_session=${secret}; other=1`)).status).toBe(401);
    // Over plain http (local runs) the plain name is the one, and __Host- is not read.
    expect((await me(`plexops_session=${secret}`, 'http://127.0.0.1:8787')).status).toBe(200);
    expect((await me(`__Host-plexops_session=${secret}`, 'http://127.0.0.1:8787')).status).toBe(401);
  });
});

describe('security headers', () => {
  it('on every response the Worker makes — success, error, 404, webhook, agent — with no-store on API responses', async () => {
    const cases: Array<[string, RequestInit]> = [
      ['/healthz', {}],
      ['/api/me', {}],
      ['/api/plex/config', { headers: auth }],
      ['/api/jobs?cursor=%00', { headers: auth }],
      ['/api/nothing/here', { headers: auth }],
      ['/webhooks/plex/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { method: 'POST' }],
      ['/agent/v1/wait', { method: 'POST' }],
      ['/auth/token', { method: 'POST', headers: { origin: server.url, 'content-type': 'application/json' }, body: '{}' }],
    ];
    for (const [p, init] of cases) {
      const res = await fetch(`${server.url}${p}`, init);
      expectSecurityHeaders(res, p);
      expect(res.headers.get('content-security-policy'), p).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
      expect(res.headers.get('cache-control'), p).toBe('no-store');
      await res.body?.cancel();
    }
    const settings = await fetch(`${server.url}/api/plex/config`, { headers: auth });
    expect(settings.status).toBe(200);
    expect(settings.headers.get('cache-control')).toBe('no-store');
  });

  it('HSTS only over https', async () => {
    const res = await app.request(`${HTTPS}/healthz`, {}, env);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await app.request('http://127.0.0.1/healthz', {}, env)).headers.get('strict-transport-security')).toBeNull();
  });

  it('on the admin SPA served by Workers static assets (index, deep links, bundles), with a CSP that allows only itself', async () => {
    const bundle = readdirSync(path.resolve(import.meta.dirname, '../../../admin/dist/assets')).find((f) => f.endsWith('.js'));
    for (const p of ['/', '/settings', '/jobs/job_123', `/assets/${bundle}`]) {
      const res = await fetch(`${server.url}${p}`);
      expect(res.status, p).toBe(200);
      expectSecurityHeaders(res, p);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp, p).toMatch(/default-src 'self'/);
      expect(csp, p).toMatch(/script-src 'self'(;|$)/);
      expect(csp, p).not.toMatch(/unsafe-inline|unsafe-eval/);
      await res.body?.cancel();
    }
    // The rules file itself is not served.
    expect(await (await fetch(`${server.url}/_headers`)).text()).not.toMatch(/Content-Security-Policy/);
  });
});
