/**
 * @module plex-sim/plex-server.test
 * The PMS simulator over a real fixture config dir: /identity from Preferences.xml, token auth, sections and
 * folders in JSON and XML, the documented folder-move route (add folder → scan → remove folder, empty trash
 * off) keeping every item and all watch state, the trap when trash is emptied in the wrong order, paging,
 * history, a fresh config minting a new identity, and hostile input (400/401/404, never 500).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlexFixture, type PlexFixture } from '../../hosts/plex/fixture.js';
import { STAND_IN_PLEX_SQLITE, startPlexServerSim, type PlexServerSim } from './index.js';
import { PlexDb, Sql } from './plex-db.js';

describe('Plex Media Server simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plex-sim-'));
  let fx: PlexFixture;
  let pms: PlexServerSim;
  const get = (path: string, opts: { token?: string | null; json?: boolean; method?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${pms.url}${path}`, {
      method: opts.method ?? 'GET',
      headers: { ...(opts.token === null ? {} : { 'X-Plex-Token': opts.token ?? fx.token }), ...(opts.json === false ? {} : { Accept: 'application/json' }), ...opts.headers },
    });
  const json = async (path: string, method = 'GET') => {
    const r = await get(path, { method });
    expect(r.status, `${method} ${path}`).toBe(200);
    return ((await r.json()) as { MediaContainer: any }).MediaContainer;
  };
  const idle = async () => {
    for (let i = 0; i < 200; i++) {
      const c = await json('/library/sections');
      if (!c.Directory.some((d: any) => d.refreshing)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('scan did not finish');
  };
  const count = async (q: string) => Number(Object.values((await new PlexDb(fx.libraryDb, STAND_IN_PLEX_SQLITE).query(new Sql(q)))[0]!)[0]);

  beforeAll(async () => {
    fx = buildPlexFixture({ dir, sizeBytes: 1 << 20, mediaRoot: join(dir, 'media'), optimizedRoot: join(dir, 'media-optimized') });
    pms = await startPlexServerSim({ pmsDir: fx.pmsHostDir, version: fx.version });
  }, 60_000);
  afterAll(async () => {
    await pms?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /identity without a token, from Preferences.xml, in XML and JSON', async () => {
    const xml = await (await get('/identity', { token: null, json: false })).text();
    expect(xml).toContain(`machineIdentifier="${fx.processedMachineIdentifier}"`);
    expect(xml).toContain(`version="${fx.version}"`);
    expect(xml).toContain('claimed="1"');
    const j = await (await get('/identity', { token: null })).json();
    expect(j).toEqual({ MediaContainer: { size: 0, claimed: true, machineIdentifier: fx.processedMachineIdentifier, version: fx.version } });
    expect(pms.mintedIdentity).toBe(false);
  });

  it('requires the X-Plex-Token (header or query) everywhere else', async () => {
    expect((await get('/library/sections', { token: null })).status).toBe(401);
    const wrong = await get('/library/sections', { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('<h1>401 Unauthorized</h1>');
    expect((await get(`/library/sections?X-Plex-Token=${encodeURIComponent(fx.token)}`, { token: null })).status).toBe(200);
    const root = await json('/');
    expect(root.machineIdentifier).toBe(fx.processedMachineIdentifier);
  });

  it('lists sections with their folders (JSON and XML)', async () => {
    const c = await json('/library/sections');
    expect(c.size).toBe(3);
    expect(c.Directory.map((d: any) => [d.key, d.type, d.title, d.Location.map((l: any) => l.path)])).toEqual(fx.sections.map((s) => [String(s.id), s.type, s.name, s.locations]));
    const xml = await (await get('/library/sections', { json: false })).text();
    expect(xml).toMatch(/<Directory [^>]*key="1" type="movie" title="Movies"[^>]*>\s*<Location id="1" path="[^"]+\/Movies" \/>/);
    const loc = await json('/library/sections/3/location');
    expect(loc.Location).toHaveLength(2);
  });

  it('pages items and history like PMS (totalSize, offset, headers)', async () => {
    const r = await get('/library/sections/1/all', { headers: { 'X-Plex-Container-Start': '2', 'X-Plex-Container-Size': '3' } });
    const c = ((await r.json()) as any).MediaContainer;
    const movies = await count('SELECT count(*) FROM metadata_items WHERE library_section_id = 1 AND metadata_type = 1');
    expect([c.size, c.totalSize, c.offset]).toEqual([3, movies, 2]);
    expect(r.headers.get('x-plex-container-total-size')).toBe(String(movies));
    expect(c.Metadata[0].Media[0].Part[0].file).toMatch(/\.mkv$/);
    const h = await json('/status/sessions/history/all?accountID=1&X-Plex-Container-Size=0');
    expect(h.totalSize).toBe(await count('SELECT count(*) FROM metadata_item_views WHERE account_id = 1'));
  });

  it('moves a library by the documented route: add folder, scan, remove folder — nothing lost', async () => {
    const oldRoot = join(dir, 'media', 'Movies');
    const newRoot = join(dir, 'library', 'Movies');
    cpSync(oldRoot, newRoot, { recursive: true });
    const views = await count('SELECT count(*) FROM metadata_item_views');
    const settings = await count('SELECT count(*) FROM metadata_item_settings');
    expect((await get('/:/prefs?autoEmptyTrash=0', { method: 'PUT' })).status).toBe(200);
    const before = (await json('/library/sections/1/all')).totalSize;
    const add = `/library/sections/1?agent=tv.plex.agents.movie&location=${encodeURIComponent(oldRoot)}&location=${encodeURIComponent(newRoot)}`;
    expect((await get(add, { method: 'PUT' })).status).toBe(200);
    rmSync(oldRoot, { recursive: true });
    const scan = await get('/library/sections/1/refresh');
    expect(scan.headers.get('x-plex-activity')).toMatch(/^[0-9a-f-]{36}$/);
    await idle();
    const result = pms.state.scans.at(-1)!;
    expect(result).toMatchObject({ section: 1, added: 0, moved: before, removed: 0 });
    expect(result.after).toEqual({ items: before, available: before, unavailable: 0 });
    expect((await get(`/library/sections/1?agent=tv.plex.agents.movie&location=${encodeURIComponent(newRoot)}`, { method: 'PUT' })).status).toBe(200);
    expect((await json('/library/sections/1/location')).Location.map((l: any) => l.path)).toEqual([newRoot]);
    await get('/library/sections/1/emptyTrash', { method: 'PUT' });
    expect((await json('/library/sections/1/all')).totalSize).toBe(before);
    expect(await count('SELECT count(*) FROM metadata_item_views')).toBe(views);
    expect(await count('SELECT count(*) FROM metadata_item_settings')).toBe(settings);
  });

  it('loses items when the trash is emptied automatically and the old folder goes first (the trap)', async () => {
    expect((await get('/:/prefs?autoEmptyTrash=1', { method: 'PUT' })).status).toBe(200);
    const items = (await json('/library/sections/2/all?type=4')).totalSize;
    expect(items).toBeGreaterThan(0);
    const moved = join(dir, 'elsewhere', 'TV Shows');
    expect((await get(`/library/sections/2?agent=tv.plex.agents.series&location=${encodeURIComponent(moved)}`, { method: 'PUT' })).status).toBe(200);
    await get('/library/sections/2/refresh', { method: 'POST' });
    await idle();
    expect(pms.state.scans.at(-1)).toMatchObject({ section: 2, removed: items, after: { items: 0 } });
  });

  it('refuses bad and hostile input with 4xx, never 500', async () => {
    const noAgent = await get(`/library/sections/1?location=${encodeURIComponent('/x')}`, { method: 'PUT' });
    expect(noAgent.status).toBe(400);
    expect(await noAgent.text()).toContain("'agent' is missing or invalid");
    expect((await get('/library/sections/1?agent=a&location=relative', { method: 'PUT' })).status).toBe(400);
    expect((await get('/library/sections/99')).status).toBe(404);
    expect((await get('/library/sections/99999999999999999999999/refresh')).status).toBe(404);
    expect((await get('/library/sections/1/all?type=%ZZ')).status).toBe(400);
    expect((await get('/library/sections/1/all?type=%00')).status).toBe(400);
    expect((await get('/library/sections/1/all', { headers: { 'X-Plex-Container-Start': '-1' } })).status).toBe(400);
    expect((await get(`/library/sections?name=x&type=movie&agent=a&scanner=s&language=en&location=${encodeURIComponent('/x')}`, { method: 'POST' })).status).toBe(400);
    expect((await get("/:/prefs?bad'key=1", { method: 'PUT' })).status).toBe(400);
    expect((await get('/library/metadata/1%00')).status).toBe(404);
    const huge = (await get(`/identity?${'a'.repeat(20_000)}`, { token: null })).status;
    expect(huge >= 400 && huge < 500).toBe(true);
  });

  it('mints a new identity and an empty library on an empty config dir, as PMS does', async () => {
    const fresh = await startPlexServerSim({ pmsDir: join(dir, 'empty-config', 'Plex Media Server'), version: '1.43.0.10492-121068a07', tokens: ['t'] });
    try {
      expect(fresh.mintedIdentity).toBe(true);
      expect(fresh.machineIdentifier).toMatch(/^[0-9a-f]{40}$/);
      expect(fresh.machineIdentifier).not.toBe(fx.processedMachineIdentifier);
      const r = await fetch(`${fresh.url}/library/sections`, { headers: { 'X-Plex-Token': 't', Accept: 'application/json' } });
      expect(((await r.json()) as any).MediaContainer).toEqual({ size: 0, allowSync: false, identifier: 'com.plexapp.plugins.library', title1: 'Plex Library' });
    } finally {
      await fresh.close();
    }
  });
});
