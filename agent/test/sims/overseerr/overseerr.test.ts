import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../worker/dev/ports';
import { bundleScript } from '../../support/bundle-script';
import { integrityCheck, sqliteQuery } from '../../support/sqlite-cli';
import { createOverseerrConfig, type OverseerrFixture } from './fixture';
import { type OverseerrStandin, startOverseerrStandin } from './server';

const get = async (base: string, path: string, key?: string, headers: Record<string, string> = {}) => {
  const res = await fetch(base + path, { headers: { ...(key ? { 'X-Api-Key': key } : {}), ...headers }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { pageInfo?: Record<string, number>; results?: Array<Record<string, unknown>> } };
};

describe('overseerr fixture', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ovr-fixture-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is a WAL-mode DB with Overseerr tables and committed rows that live only in the -wal', async () => {
    const fx = await createOverseerrConfig(join(dir, 'config'), { users: 4, requests: 10, walRequests: 4, issues: 3 });
    expect(fx.counts).toEqual({ users: 4, requests: 10, media: 10, seasons: 15, issues: 3 });
    expect((await stat(`${fx.dbPath}-wal`)).size).toBeGreaterThan(0);
    const tables = (await sqliteQuery<{ name: string }>(fx.dbPath, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", { readonly: true })).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['user', 'user_settings', 'media', 'season', 'media_request', 'season_request', 'issue', 'issue_comment', 'session', 'migrations', 'discover_slider', 'user_push_subscription']));
    expect((await sqliteQuery<{ journal_mode: string }>(fx.dbPath, 'PRAGMA journal_mode', { readonly: true }))[0]?.journal_mode).toBe('wal');
    expect(await integrityCheck(fx.dbPath)).toBe('ok');
    // The main file alone (what a careless `cp db.sqlite3` takes) lacks the WAL rows.
    const alone = join(dir, 'alone.sqlite3');
    await import('node:fs/promises').then((fs) => fs.copyFile(fx.dbPath, alone));
    expect((await sqliteQuery<{ n: number }>(alone, 'SELECT count(*) AS n FROM media_request', { readonly: true }))[0]?.n).toBe(6);
    const settings = JSON.parse(await readFile(fx.settingsPath, 'utf8')) as typeof fx.settings;
    expect(settings.main.apiKey).toBe(fx.apiKey);
    expect(Object.keys(settings)).toEqual(expect.arrayContaining(['clientId', 'vapidPublic', 'vapidPrivate', 'main', 'plex', 'radarr', 'sonarr', 'public', 'notifications', 'jobs']));
    expect(settings.plex).toMatchObject({ ip: '192.0.2.10', port: 32400, useSsl: false });
    expect(settings.plex.machineId).toMatch(/^[0-9a-f]{40}$/);
    expect((await stat(join(fx.configDir, 'logs', 'overseerr.log'))).isFile()).toBe(true);
  });

  it('grows with padBytes', async () => {
    const pad = 4 * 1024 * 1024;
    const fx = await createOverseerrConfig(join(dir, 'padded'), { padBytes: pad });
    const size = (await stat(fx.dbPath)).size;
    expect(size).toBeGreaterThan(pad * 0.9);
    expect(size).toBeLessThan(pad * 1.3);
  });
});

describe('overseerr stand-in', () => {
  let dir: string;
  let fx: OverseerrFixture;
  let s: OverseerrStandin;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ovr-standin-'));
    fx = await createOverseerrConfig(join(dir, 'config'), { users: 5, requests: 12, walRequests: 3 });
    s = await startOverseerrStandin({ configDir: fx.configDir, version: '1.33.2', log: () => undefined });
  });
  afterAll(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('status and appdata need no auth; appdata is false while the image DOCKER marker is visible', async () => {
    const status = await get(s.url, '/api/v1/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ version: '1.33.2', updateAvailable: false, commitsBehind: 0, restartRequired: false });
    expect(typeof status.body.commitTag).toBe('string');
    expect((await get(s.url, '/api/v1/status/appdata')).body).toEqual({ appData: true, appDataPath: fx.configDir });
    const unmounted = await createOverseerrConfig(join(dir, 'image-layer'), { dockerMarker: true });
    const other = await startOverseerrStandin({ configDir: unmounted.configDir, log: () => undefined });
    try {
      expect((await get(other.url, '/api/v1/status/appdata')).body).toEqual({ appData: false, appDataPath: unmounted.configDir });
    } finally {
      await other.close();
    }
  });

  it('users and requests with the API key: counts from the DB (WAL rows included) and Overseerr paging', async () => {
    const users = await get(s.url, '/api/v1/user?take=2&skip=2', fx.apiKey);
    expect(users.status).toBe(200);
    expect(users.body.pageInfo).toEqual({ pages: 3, pageSize: 2, results: 5, page: 2 });
    expect(users.body.results?.map((u) => u.id)).toEqual([3, 4]);
    expect(users.body.results?.[0]).toMatchObject({ userType: 2, displayName: 'local3' });
    expect(users.body.results?.[0]).not.toHaveProperty('password');
    const reqs = await get(s.url, '/api/v1/request?take=5', fx.apiKey);
    expect(reqs.body.pageInfo).toEqual({ pages: 3, pageSize: 5, results: 12, page: 1 });
    expect(reqs.body.results?.[0]).toMatchObject({ id: 12, type: 'tv', media: { id: 12, mediaType: 'tv', tmdbId: 512 } });
    expect((reqs.body.results?.[0]?.seasons as unknown[]).length).toBe(3);
    expect(reqs.body.results?.[0]?.requestedBy).toMatchObject({ id: 3 });
    const pending = await get(s.url, '/api/v1/request?filter=pending&take=100', fx.apiKey);
    expect(pending.body.results?.every((r) => r.status === 1)).toBe(true);
    expect((await get(s.url, '/api/v1/request/count', fx.apiKey)).body).toMatchObject({ total: 12 });
    // A plain user (no MANAGE_REQUESTS) sees only their own requests and may not list users.
    const own = await get(s.url, '/api/v1/request?take=100', fx.apiKey, { 'X-API-User': '2' });
    expect(own.body.results?.every((r) => (r.requestedBy as { id: number }).id === 2)).toBe(true);
    expect((await get(s.url, '/api/v1/user', fx.apiKey, { 'X-API-User': '2' })).status).toBe(403);
  });

  it('settings survive as written: plex, sonarr, radarr, main', async () => {
    expect((await get(s.url, '/api/v1/settings/plex', fx.apiKey)).body).toEqual(fx.settings.plex);
    expect((await get(s.url, '/api/v1/settings/sonarr', fx.apiKey)).body).toEqual(fx.settings.sonarr);
    expect((await get(s.url, '/api/v1/settings/radarr', fx.apiKey)).body).toEqual(fx.settings.radarr);
    expect((await get(s.url, '/api/v1/settings/main', fx.apiKey)).body).toMatchObject({ apiKey: fx.apiKey });
  });

  it('bad keys and bad input: 403 in Overseerr shape, 400 for bad paging, 404 for unknown paths, WAL untouched', async () => {
    for (const key of [undefined, 'wrong', `${fx.apiKey}x`]) {
      const r = await get(s.url, '/api/v1/user', key);
      expect([r.status, r.body]).toEqual([403, { status: 403, error: 'You do not have permission to access this endpoint' }]);
    }
    expect((await get(s.url, '/api/v1/settings/plex')).status).toBe(403);
    for (const bad of ['-1', 'abc', '1e9', '99999999999']) expect((await get(s.url, `/api/v1/request?take=${bad}`, fx.apiKey)).status).toBe(400);
    expect((await get(s.url, "/api/v1/request?filter=x'%20OR%201=1", fx.apiKey)).status).toBe(400);
    expect((await get(s.url, '/api/v1/user?skip=1;DROP%20TABLE%20user', fx.apiKey)).status).toBe(400);
    expect((await get(s.url, '/api/v1/nope', fx.apiKey)).status).toBe(404);
    expect((await stat(`${fx.dbPath}-wal`)).size).toBeGreaterThan(0);
  });

  it('runs as a process (PORT, CONFIG_DIRECTORY, OVERSEERR_VERSION); a fresh config gets a new API key and an empty DB', async () => {
    const bundle = await bundleScript(fileURLToPath(new URL('./main.ts', import.meta.url)));
    const port = await freePort();
    const fresh = join(dir, 'fresh');
    const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '', PORT: String(port), CONFIG_DIRECTORY: fresh, OVERSEERR_VERSION: '1.34.0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 100 && !out.includes('Server ready'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(`Server ready on port ${port}`);
      const base = `http://127.0.0.1:${port}`;
      expect((await get(base, '/api/v1/status')).body.version).toBe('1.34.0');
      expect((await get(base, '/api/v1/user', fx.apiKey)).status).toBe(403);
      const created = JSON.parse(await readFile(join(fresh, 'settings.json'), 'utf8')) as { main: { apiKey: string }; public: { initialized: boolean } };
      expect(created.public.initialized).toBe(false);
      // No user 1 in a fresh DB: even the new key acts as nobody (Overseerr's auth middleware finds no user).
      expect((await get(base, '/api/v1/request', created.main.apiKey)).status).toBe(403);
      expect((await sqliteQuery<{ n: number }>(join(fresh, 'db', 'db.sqlite3'), 'SELECT count(*) AS n FROM media_request', { readonly: true }))[0]?.n).toBe(0);
    } finally {
      const exited = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
