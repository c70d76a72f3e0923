/**
 * @module overseerr-sim/server
 * An Overseerr stand-in: the parts of Overseerr's HTTP API the migration reads, served over a
 * REAL config directory (settings.json + db/db.sqlite3 read through the sqlite3 shell, read-only
 * so the WAL is never checkpointed behind the job's back). Shapes and rules after sct/overseerr
 * (household-integrations.md has the facts with sources):
 * - `GET /api/v1/status` (no auth) → {version, commitTag, updateAvailable, commitsBehind, restartRequired}.
 * - `GET /api/v1/status/appdata` (no auth) → {appData, appDataPath}: appData is false while the
 *   image's `DOCKER` marker file is visible in the config dir, i.e. no volume is mounted over it
 *   (server/utils/appDataVolume.ts) — the stand-in checks the same file.
 * - `GET /api/v1/settings/public` (no auth).
 * - With `X-Api-Key` = settings.json main.apiKey (acting as user 1, or `X-API-User`): `GET /api/v1/user`
 *   and `GET /api/v1/request` ({pageInfo:{pages,pageSize,results,page},results}; take/skip/filter/
 *   sort), `GET /api/v1/request/count`, `GET /api/v1/settings/main|plex|sonarr|radarr` (ADMIN).
 *   Missing/wrong key → 403 {"status":403,"error":"You do not have permission to access this endpoint"}.
 * Like Overseerr, settings.json is read once at start; a missing one is created with defaults and
 * a NEW api key (public.initialized false), and a missing DB is created empty — so a migration
 * that forgot to copy them is caught by the API-key check and the row counts.
 * Deviations: binds 127.0.0.1 only; no TMDB/Plex calls, no sessions/cookies, no writes.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sqliteExec, sqliteQuery } from '../../support/sqlite-cli';
import { overseerrSettings, type OverseerrSettings } from './fixture';
import { migrationRowsSql, SCHEMA_SQL } from './schema';

export interface StandinOptions {
  configDir: string;
  port?: number;
  version?: string;
  commitTag?: string;
  log?: (line: string) => void;
}

export interface OverseerrStandin {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const FORBIDDEN = new HttpError(403, { status: 403, error: 'You do not have permission to access this endpoint' });
const ADMIN = 2;
const MANAGE_USERS = 8;
const MANAGE_REQUESTS = 16;
const REQUEST_VIEW = 16384;
const USER_COLUMNS = ['id', 'email', 'plexUsername', 'username', 'recoveryLinkExpirationDate', 'userType', 'plexId', 'avatar', 'movieQuotaLimit', 'movieQuotaDays', 'tvQuotaLimit', 'tvQuotaDays', 'createdAt', 'updatedAt', 'permissions'];
const userJson = (alias: string): string =>
  `json_object(${USER_COLUMNS.map((c) => `'${c}', ${alias}."${c}"`).join(', ')}, 'requestCount', (SELECT count(*) FROM media_request x WHERE x.requestedById = ${alias}.id), 'displayName', coalesce(${alias}.username, ${alias}.plexUsername, ${alias}.email))`;

async function loadSettings(configDir: string, log: (l: string) => void): Promise<OverseerrSettings> {
  const path = join(configDir, 'settings.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as OverseerrSettings;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Fresh install: Overseerr writes defaults with a newly generated API key.
    const fresh = overseerrSettings(Buffer.from(`${Date.now()}${randomUUID()}`).toString('base64'), { ip: '', port: 32400, useSsl: false });
    fresh.public = { initialized: false };
    fresh.radarr = [];
    fresh.sonarr = [];
    fresh.plex = { ...fresh.plex, name: '', machineId: '', libraries: [] };
    await writeFile(path, JSON.stringify(fresh, undefined, 1));
    log('[warn][Settings]: settings.json not found, created with defaults');
    return fresh;
  }
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, { message: `request/query/${name} must be number`, errors: [{ path: `/query/${name}`, message: 'must be number', errorCode: 'type.openapi.validation' }] });
  return Number(raw);
}

export async function startOverseerrStandin(opts: StandinOptions): Promise<OverseerrStandin> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
  const { configDir } = opts;
  const version = opts.version ?? '1.33.2';
  log(`[info]: Starting Overseerr version ${version}`);
  await mkdir(join(configDir, 'db'), { recursive: true });
  await mkdir(join(configDir, 'logs'), { recursive: true });
  const settings = await loadSettings(configDir, log);
  const db = join(configDir, 'db', 'db.sqlite3');
  if (!existsSync(db)) {
    log('[warn][Database]: no database found, creating a new one');
    await sqliteExec(db, `PRAGMA journal_mode=WAL;\n${SCHEMA_SQL}\n${migrationRowsSql()}`);
  }
  const q = <T>(sql: string): Promise<T[]> => sqliteQuery<T>(db, sql, { readonly: true });

  async function caller(req: IncomingMessage): Promise<number> {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !settings.main.apiKey || key !== settings.main.apiKey) throw FORBIDDEN;
    const as = req.headers['x-api-user'];
    const id = typeof as === 'string' && /^\d{1,9}$/.test(as) ? Number(as) : 1;
    const [u] = await q<{ permissions: number }>(`SELECT permissions FROM "user" WHERE id = ${id}`);
    if (!u) throw FORBIDDEN;
    return u.permissions;
  }
  const has = (perms: number, ...bits: number[]): boolean => (perms & ADMIN) !== 0 || bits.some((b) => (perms & b) !== 0);

  async function users(url: URL, perms: number): Promise<unknown> {
    if (!has(perms, MANAGE_USERS)) throw FORBIDDEN;
    const take = intParam(url, 'take', 10);
    const skip = intParam(url, 'skip', 0);
    const order = ({ updated: 'u.updatedAt DESC', displayname: 'coalesce(u.username, u.plexUsername, u.email) ASC', requests: '(SELECT count(*) FROM media_request x WHERE x.requestedById = u.id) DESC' } as Record<string, string>)[url.searchParams.get('sort') ?? ''] ?? 'u.id ASC';
    const [total] = await q<{ n: number }>('SELECT count(*) AS n FROM "user"');
    const rows = await q<{ j: string }>(`SELECT ${userJson('u')} AS j FROM "user" u ORDER BY ${order} LIMIT ${take} OFFSET ${skip}`);
    return page(take, skip, total?.n ?? 0, rows.map((r) => JSON.parse(r.j)));
  }

  function requestFilter(url: URL): string {
    const f = url.searchParams.get('filter') ?? 'all';
    const status = ({ approved: [2], processing: [2], available: [2], pending: [1], unavailable: [1, 2], failed: [4] } as Record<string, number[]>)[f] ?? [1, 2, 3, 4];
    const media = ({ available: [5], processing: [1, 2, 3, 4], unavailable: [1, 2, 3, 4] } as Record<string, number[]>)[f] ?? [1, 2, 3, 4, 5];
    if (!['all', 'approved', 'processing', 'available', 'pending', 'unavailable', 'failed'].includes(f)) {
      throw new HttpError(400, { message: 'request/query/filter must be equal to one of the allowed values', errors: [{ path: '/query/filter', message: 'must be equal to one of the allowed values', errorCode: 'enum.openapi.validation' }] });
    }
    return `r.status IN (${status.join(',')}) AND m.status IN (${media.join(',')})`;
  }

  async function requests(url: URL, perms: number, asUser: number): Promise<unknown> {
    const take = intParam(url, 'take', 10);
    const skip = intParam(url, 'skip', 0);
    let where = requestFilter(url);
    if (!has(perms, MANAGE_REQUESTS, REQUEST_VIEW)) where += ` AND r.requestedById = ${asUser}`;
    const by = url.searchParams.get('requestedBy');
    if (by !== null) where += ` AND r.requestedById = ${intParam(url, 'requestedBy', 0)}`;
    const order = url.searchParams.get('sort') === 'modified' ? 'r.updatedAt DESC' : 'r.id DESC';
    const from = 'FROM media_request r LEFT JOIN media m ON m.id = r.mediaId';
    const [total] = await q<{ n: number }>(`SELECT count(*) AS n ${from} WHERE ${where}`);
    const rows = await q<{ j: string }>(`SELECT json_object('id', r.id, 'status', r.status, 'createdAt', r.createdAt, 'updatedAt', r.updatedAt, 'type', r.type,
        'is4k', json(CASE WHEN r.is4k THEN 'true' ELSE 'false' END), 'serverId', r.serverId, 'profileId', r.profileId, 'rootFolder', r.rootFolder,
        'languageProfileId', r.languageProfileId, 'tags', r.tags, 'isAutoRequest', json(CASE WHEN r.isAutoRequest THEN 'true' ELSE 'false' END),
        'media', json_object('id', m.id, 'mediaType', m.mediaType, 'tmdbId', m.tmdbId, 'tvdbId', m.tvdbId, 'imdbId', m.imdbId, 'status', m.status, 'status4k', m.status4k, 'ratingKey', m.ratingKey),
        'seasons', (SELECT json_group_array(json_object('id', s.id, 'seasonNumber', s.seasonNumber, 'status', s.status)) FROM season_request s WHERE s.requestId = r.id),
        'requestedBy', (SELECT ${userJson('ru')} FROM "user" ru WHERE ru.id = r.requestedById),
        'modifiedBy', (SELECT ${userJson('mu')} FROM "user" mu WHERE mu.id = r.modifiedById),
        'seasonCount', (SELECT count(*) FROM season_request s WHERE s.requestId = r.id)) AS j
      ${from} WHERE ${where} ORDER BY ${order} LIMIT ${take} OFFSET ${skip}`);
    return page(take, skip, total?.n ?? 0, rows.map((r) => JSON.parse(r.j)));
  }

  const page = (take: number, skip: number, total: number, results: unknown[]) => ({
    pageInfo: { pages: take === 0 ? 0 : Math.ceil(total / take), pageSize: take, results: total, page: take === 0 ? 1 : Math.ceil(skip / take) + 1 },
    results,
  });

  async function route(req: IncomingMessage, url: URL): Promise<unknown> {
    const path = url.pathname.replace(/\/+$/, '');
    if (req.method !== 'GET') throw new HttpError(404, { message: 'not found', errors: [{ path, message: 'not found' }] });
    switch (path) {
      case '/api/v1/status':
        return { version, commitTag: opts.commitTag ?? 'f2bd2b0a6b3c1e0a2c1f5e8d9b7a6c5d4e3f2a1b', updateAvailable: false, commitsBehind: 0, restartRequired: false };
      case '/api/v1/status/appdata':
        return { appData: !existsSync(join(configDir, 'DOCKER')), appDataPath: configDir };
      case '/api/v1/settings/public':
        return { initialized: (settings.public as { initialized?: boolean } | undefined)?.initialized ?? false, applicationTitle: 'Overseerr', localLogin: true, locale: 'en' };
    }
    const perms = await caller(req);
    const asHeader = req.headers['x-api-user'];
    const asUser = typeof asHeader === 'string' && /^\d{1,9}$/.test(asHeader) ? Number(asHeader) : 1;
    switch (path) {
      case '/api/v1/user':
        return users(url, perms);
      case '/api/v1/request':
        return requests(url, perms, asUser);
      case '/api/v1/request/count': {
        const [c] = await q<Record<string, number>>(`SELECT count(*) AS total, sum(type = 'movie') AS movie, sum(type = 'tv') AS tv, sum(status = 1) AS pending,
          sum(status = 2) AS approved, sum(status = 3) AS declined, sum(status = 4) AS failed FROM media_request`);
        return Object.fromEntries(Object.entries(c ?? {}).map(([k, v]) => [k, v ?? 0]));
      }
    }
    const setting = /^\/api\/v1\/settings\/(main|plex|sonarr|radarr)$/.exec(path)?.[1];
    if (setting) {
      if (!has(perms)) throw FORBIDDEN;
      return settings[setting];
    }
    throw new HttpError(404, { message: 'not found', errors: [{ path, message: 'not found' }] });
  }

  const server = createServer((req, res: ServerResponse) => {
    const started = Date.now();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      url = new URL('http://127.0.0.1/');
    }
    route(req, url)
      .then((body) => [200, body] as const)
      .catch((err: unknown) => (err instanceof HttpError ? ([err.status, err.body] as const) : ([500, { message: 'Something went wrong.', errors: [] }] as const)))
      .then(([status, body]) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
        if (status >= 500) log(`[error][API]: ${req.method} ${url.pathname} ${status}`);
        void started;
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const ready = `[info][Server]: Server ready on port ${port}`;
  log(ready);
  await appendFile(join(configDir, 'logs', 'overseerr.log'), `${new Date().toISOString()} ${ready}\n`).catch(() => undefined);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
