/**
 * @module plex-sim/server
 * The Plex Media Server HTTP API on :32400 as real clients call it (see /work/shared/docs/plex-server-api.md):
 * GET /identity (no token), GET / ; library sections: GET/POST /library/sections, PUT/DELETE
 * /library/sections/{id} (the `location` list REPLACES the folders; `agent` required), GET
 * /library/sections/{id}/location, GET/POST/DELETE /library/sections/{id|all}/refresh (async scan, `refreshing`
 * while it runs, `?path=` partial, X-Plex-Activity header), PUT /library/sections/{id}/emptyTrash, GET
 * /library/sections/{id}/all (type=, X-Plex-Container-Start/Size paging as headers or query), GET
 * /library/metadata/{id}; GET/PUT /:/prefs (autoEmptyTrash …, written to Preferences.xml); GET /accounts;
 * GET /status/sessions/history/all; GET /activities.
 *
 * X-Plex-Token (header or query) must be the server's PlexOnlineToken or one of `tokens`; 401 otherwise, with
 * the HTML error bodies PMS sends. XML by default, JSON for `Accept: application/json`.
 * Left out: playback, transcoding, sessions, hubs, search, photo/music specifics, plex.tv.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { container, render, type PlexElement } from './media-container.js';
import { Library, SECTION_TYPES, type Location, type ScanResult, type Section } from './library.js';
import { sql } from './plex-db.js';
import { readPrefs, writePrefs } from './prefs.js';

export interface PlexServerOptions {
  library: Library;
  /** Preferences.xml of this server (identity, token, prefs). */
  prefsFile: string;
  version: string;
  /** Extra accepted tokens (besides Preferences' PlexOnlineToken). */
  tokens?: string[];
  platform?: string;
}

export interface PlexServerState {
  /** Finished scans, newest last (tests read counts before/after). */
  scans: ScanResult[];
  /** Scans that failed (message per scan). */
  scanErrors: string[];
  /** Requests seen (method + path without query). */
  requests: Array<{ method: string; path: string }>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly detail = '') {
    super(detail);
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed' };
const MAX_URL = 16 * 1024;

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, e: HttpError): void {
  const reason = REASONS[e.status] ?? 'Error';
  send(res, e.status, `<html><head><title>${reason}</title></head><body><h1>${e.status} ${reason}</h1></body></html>${e.detail ? e.detail.replace(/[<>&]/g, '') : ''}`, 'text/html');
}

/** Splits `k=v` on the first `=`, keeping operator suffixes (`viewedAt>`, `addedAt>>`) on the key. */
function params(url: URL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of url.search.slice(1).split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw new HttpError(400, 'malformed query');
      }
    };
    const k = dec(i < 0 ? part : part.slice(0, i));
    const v = i < 0 ? '' : dec(part.slice(i + 1));
    if (k.includes('\0') || v.includes('\0')) throw new HttpError(400, 'NUL in query');
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

const epoch = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
const bool = (v: string | undefined) => v === '1' || v === 'true';

export function createPlexServer(o: PlexServerOptions): { server: Server; state: PlexServerState } {
  const state: PlexServerState = { scans: [], scanErrors: [], requests: [] };
  const refreshing = new Map<number, string>();
  const prefs = () => readPrefs(o.prefsFile);

  async function sectionElements(only?: number): Promise<PlexElement[]> {
    const [sections, locations] = await Promise.all([o.library.sections(), o.library.locations()]);
    return sections.filter((s) => only === undefined || s.id === only).map((s) => sectionElement(s, locations.filter((l) => l.library_section_id === s.id)));
  }

  function sectionElement(s: Section, locs: Location[]): PlexElement {
    const type = SECTION_TYPES[s.section_type] ?? 'movie';
    return {
      tag: 'Directory',
      attrs: {
        allowSync: true, art: `/:/resources/${type}-fanart.jpg`, composite: `/library/sections/${s.id}/composite/${s.updated_at ?? 0}`, filters: true,
        refreshing: refreshing.has(s.id), thumb: `/:/resources/${type}.png`, key: String(s.id), type, title: s.name, agent: s.agent, scanner: s.scanner,
        language: s.language, uuid: s.uuid ?? '', updatedAt: epoch(s.updated_at), createdAt: epoch(s.created_at), scannedAt: epoch(s.scanned_at),
        content: true, directory: true, contentChangedAt: epoch(s.content_changed_at), hidden: 0,
      },
      children: locs.map((l) => ({ tag: 'Location', attrs: { id: l.id, path: l.root_path } })),
    };
  }

  function scanInBackground(ids: number[], path: string | undefined): string {
    const activity = randomUUID();
    for (const id of ids) refreshing.set(id, activity);
    void (async () => {
      for (const id of ids) {
        try {
          state.scans.push(await o.library.scan(id, { autoEmptyTrash: prefs().autoEmptyTrash !== '0' && prefs().autoEmptyTrash !== 'false', ...(path ? { path } : {}) }));
        } catch (e) {
          state.scanErrors.push(`section ${id}: ${(e as Error).message}`);
          process.stderr.write(`plex-sim: scan of section ${id} failed: ${(e as Error).message}\n`);
        } finally {
          refreshing.delete(id);
        }
      }
    })();
    return activity;
  }

  async function sectionId(raw: string): Promise<number> {
    const id = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || !(await o.library.section(id))) throw new HttpError(404);
    return id;
  }

  async function route(req: IncomingMessage, url: URL, q: Map<string, string[]>): Promise<{ root?: PlexElement; status?: number; headers?: Record<string, string> }> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const one = (k: string) => q.get(k)?.[0];
    const p = prefs();
    if (path === '/identity' && method === 'GET') {
      return { root: container({ size: 0, claimed: Boolean(p.PlexOnlineToken), machineIdentifier: p.ProcessedMachineIdentifier ?? '', version: o.version }) };
    }
    const token = req.headers['x-plex-token'] ?? one('X-Plex-Token');
    const accepted = [p.PlexOnlineToken, ...(o.tokens ?? [])].filter(Boolean);
    if (typeof token !== 'string' || !accepted.includes(token)) throw new HttpError(401);

    if (path === '/' && method === 'GET') {
      return { root: container({ friendlyName: p.FriendlyName ?? 'Plex Media Server', machineIdentifier: p.ProcessedMachineIdentifier ?? '', version: o.version, platform: o.platform ?? 'Linux', platformVersion: '', updatedAt: Math.floor(Date.now() / 1000), myPlex: Boolean(p.PlexOnlineToken), myPlexUsername: p.PlexOnlineUsername ?? '', multiuser: true, allowMediaDeletion: false, transcoderActiveVideoSessions: 0 }, [
        { tag: 'Directory', attrs: { count: 1, key: 'library', title: 'library' } },
      ]) };
    }
    if (path === '/library/sections' && method === 'GET') {
      return { root: container({ allowSync: false, identifier: 'com.plexapp.plugins.library', title1: 'Plex Library' }, await sectionElements()) };
    }
    if ((path === '/library/sections' || path === '/library/sections/all') && method === 'POST') {
      const [name, type, agent, scanner, language] = ['name', 'type', 'agent', 'scanner', 'language'].map(one);
      const locations = q.get('location') ?? [];
      if (!agent) throw new HttpError(400, "'agent' is missing or invalid");
      if (!language || !/^(xn|[a-z]{2}-[A-Z]{2})$/.test(language)) throw new HttpError(400, "'language' is invalid");
      if (!name || !type || !['movie', 'show', 'artist', 'photo'].includes(type) || locations.length === 0 || locations.some((l) => !l.startsWith('/'))) throw new HttpError(400);
      const id = await o.library.create({ name, type, agent, scanner: scanner ?? '', language, locations });
      return { root: container({}, await sectionElements(id)), status: 201 };
    }
    if (path === '/library/sections/all/refresh') {
      if (method === 'DELETE') return { root: container({}) };
      const ids = (await o.library.sections()).map((s) => s.id);
      return { root: container({}), headers: { 'X-Plex-Activity': scanInBackground(ids, one('path')) } };
    }
    if (path === '/activities' && method === 'GET') {
      return { root: container({}, [...new Set(refreshing.values())].map((uuid) => ({ tag: 'Activity', attrs: { uuid, type: 'library.update.section', cancellable: false, title: 'Scanning', progress: 0 } }))) };
    }
    let m = path.match(/^\/library\/sections\/([^/]+)(\/[^/]+)?$/);
    if (m) {
      const id = await sectionId(m[1]!);
      const sub = m[2] ?? '';
      if (sub === '' && method === 'PUT') {
        const agent = one('agent');
        if (!agent) throw new HttpError(400, "'agent' is missing or invalid");
        const locations = q.get('location');
        if (locations && (locations.length === 0 || locations.some((l) => !l.startsWith('/')))) throw new HttpError(400);
        const name = one('name');
        await o.library.edit(id, locations, { agent, ...(name ? { name } : {}) });
        return { root: container({}) };
      }
      if (sub === '' && method === 'DELETE') {
        await o.library.remove(id);
        return { root: container({}) };
      }
      if (sub === '' && method === 'GET') return { root: container({}, await sectionElements(id)) };
      if (sub === '/location' && method === 'GET') {
        const locs = await o.library.locations(id);
        return { root: container({}, locs.map((l) => ({ tag: 'Location', attrs: { id: l.id, path: l.root_path } }))) };
      }
      if (sub === '/refresh' && (method === 'GET' || method === 'POST')) return { root: container({}), headers: { 'X-Plex-Activity': scanInBackground([id], one('path')) } };
      if (sub === '/refresh' && method === 'DELETE') return { root: container({}) };
      if (sub === '/emptyTrash' && method === 'PUT') {
        await o.library.emptyTrash(id);
        return { root: container({}) };
      }
      if (sub === '/all' && method === 'GET') return itemsPage(req, q, id);
      throw new HttpError(404);
    }
    m = path.match(/^\/library\/metadata\/(\d{1,9})$/);
    if (m && method === 'GET') {
      const item = await o.library.item(Number(m[1]));
      if (!item) throw new HttpError(404);
      return { root: container({}, [metadataElement(item)]) };
    }
    if (path === '/:/prefs' && method === 'GET') {
      return { root: container({}, Object.entries(p).filter(([k]) => !/Token|Identifier|Mail/.test(k)).map(([id, value]) => ({ tag: 'Setting', attrs: { id, label: id, summary: '', type: /^[01]$/.test(value) ? 'bool' : 'text', default: '', value, hidden: false, advanced: false, group: '' } }))) };
    }
    if (path === '/:/prefs' && method === 'PUT') {
      const next = { ...p };
      for (const [k, vals] of q) {
        if (k.startsWith('X-Plex-')) continue;
        if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(k)) throw new HttpError(400);
        const v = vals[0] ?? '';
        next[k] = v === 'true' ? '1' : v === 'false' ? '0' : v;
      }
      writePrefs(o.prefsFile, next);
      return { root: container({}) };
    }
    if (path === '/accounts' && method === 'GET') {
      const rows = await o.library.db.query<{ id: number; name: string }>(sql`SELECT id, name FROM accounts ORDER BY id`);
      return { root: container({ identifier: 'com.plexapp.system.accounts' }, rows.map((a) => ({ tag: 'Account', attrs: { id: a.id, key: `/accounts/${a.id}`, name: a.name ?? '' } }))) };
    }
    if (path === '/status/sessions/history/all' && method === 'GET') return historyPage(req, q);
    throw new HttpError(404);
  }

  function page(req: IncomingMessage, q: Map<string, string[]>): { start: number; size: number } {
    const get = (k: string) => (req.headers[k.toLowerCase()] as string | undefined) ?? q.get(k)?.[0];
    const num = (v: string | undefined, dflt: number) => (v !== undefined && /^\d{1,7}$/.test(v) ? Number(v) : v === undefined ? dflt : NaN);
    const start = num(get('X-Plex-Container-Start'), 0);
    const size = num(get('X-Plex-Container-Size'), 1_000_000);
    if (Number.isNaN(start) || Number.isNaN(size)) throw new HttpError(400);
    return { start, size };
  }

  async function itemsPage(req: IncomingMessage, q: Map<string, string[]>, section: number) {
    const typeRaw = q.get('type')?.[0];
    if (typeRaw !== undefined && !/^\d{1,2}$/.test(typeRaw)) throw new HttpError(400);
    const items = await o.library.items(section, typeRaw === undefined ? undefined : Number(typeRaw));
    const { start, size } = page(req, q);
    const slice = items.slice(start, start + size);
    const s = await o.library.section(section);
    return {
      root: container({ size: slice.length, totalSize: items.length, offset: start, librarySectionID: section, librarySectionTitle: s?.name ?? '', librarySectionUUID: s?.uuid ?? '', identifier: 'com.plexapp.plugins.library' }, slice.map(metadataElement)),
      headers: { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(items.length) },
    };
  }

  async function historyPage(req: IncomingMessage, q: Map<string, string[]>) {
    const account = q.get('accountID')?.[0];
    if (account !== undefined && !/^\d{1,12}$/.test(account)) throw new HttpError(400);
    const rows = await o.library.db.query<Record<string, unknown>>(sql`SELECT v.id, v.account_id, v.guid, v.metadata_type, v.library_section_id, v.grandparent_title, v.title, v."index", v.parent_index, v.viewed_at, v.device_id,
      (SELECT id FROM metadata_items m WHERE m.guid = v.guid AND m.deleted_at IS NULL) AS rating_key
      FROM metadata_item_views v ${account === undefined ? sql`` : sql`WHERE v.account_id = ${Number(account)}`} ORDER BY v.viewed_at DESC, v.id DESC`);
    const { start, size } = page(req, q);
    const slice = rows.slice(start, start + size);
    const types: Record<number, string> = { 1: 'movie', 4: 'episode', 10: 'track' };
    return {
      root: container({ size: slice.length, totalSize: rows.length, offset: start }, slice.map((v) => ({
        tag: Number(v.metadata_type) === 10 ? 'Track' : 'Video', jsonKey: 'Metadata',
        attrs: { historyKey: `/status/sessions/history/${v.id}`, ...(v.rating_key ? { key: `/library/metadata/${v.rating_key}`, ratingKey: String(v.rating_key) } : {}), librarySectionID: String(v.library_section_id ?? ''), title: String(v.title ?? ''), grandparentTitle: v.grandparent_title as string | undefined, type: types[Number(v.metadata_type)] ?? 'movie', index: v.index as number | undefined, parentIndex: v.parent_index as number | undefined, viewedAt: Number(v.viewed_at), accountID: Number(v.account_id), deviceID: Number(v.device_id ?? 0) },
      }))),
      headers: { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(rows.length) },
    };
  }

  function metadataElement(i: Record<string, unknown>): PlexElement {
    const type = ({ 1: 'movie', 2: 'show', 3: 'season', 4: 'episode' } as Record<number, string>)[Number(i.metadata_type)] ?? 'movie';
    const parts = typeof i.parts === 'string' ? (JSON.parse(i.parts) as Array<{ id: number; file: string; size: number; deleted: number }>) : [];
    return {
      tag: type === 'show' || type === 'season' ? 'Directory' : 'Video', jsonKey: 'Metadata',
      attrs: { ratingKey: String(i.id), key: `/library/metadata/${i.id}`, guid: String(i.guid ?? ''), type, title: String(i.title ?? ''), year: i.year as number | undefined, index: i.index as number | undefined, addedAt: epoch(i.added_at), updatedAt: epoch(i.updated_at), duration: i.duration as number | undefined },
      children: parts.filter((p) => !p.deleted).map((p) => ({ tag: 'Media', attrs: { id: p.id }, children: [{ tag: 'Part', attrs: { id: p.id, key: `/library/parts/${p.id}/file${p.file.slice(p.file.lastIndexOf('.'))}`, file: p.file, size: p.size } }] })),
    };
  }

  const server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL) return sendError(res, new HttpError(400, 'URI too long'));
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://127.0.0.1');
    } catch {
      return sendError(res, new HttpError(400));
    }
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    req.resume();
    void (async () => {
      try {
        const r = await route(req, url, params(url));
        const { body, type } = render(r.root ?? container({}), req.headers.accept);
        send(res, r.status ?? 200, body, type, r.headers ?? {});
      } catch (e) {
        sendError(res, e instanceof HttpError ? e : new HttpError(500));
        if (!(e instanceof HttpError)) process.stderr.write(`plex-sim: ${(e as Error).stack ?? e}\n`);
      }
    })();
  });
  return { server, state };
}
