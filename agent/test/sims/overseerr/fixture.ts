/**
 * @module overseerr-sim/fixture
 * Builds a real Overseerr config directory (`/app/config` in the sctx/overseerr image): settings.json
 * in Overseerr's shape (clientId, vapid keys, main.apiKey, plex {ip, port, useSsl, machineId,
 * libraries}, sonarr/radarr arrays …), logs/, and `db/db.sqlite3` in WAL mode with Overseerr's
 * schema (schema.ts) and rows in the tables the migration counts. The last `walRequests` requests
 * are committed only to `db.sqlite3-wal` (not checkpointed), as in a live or killed Overseerr — a
 * copy of db.sqlite3 alone loses them. `padBytes` grows the DB with session rows of random data
 * (tests stay small; the benchmark asks for ~200 MB).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sqliteExec, sqliteQuery } from '../../support/sqlite-cli';
import { type Counts, countsSql, migrationRowsSql, SCHEMA_SQL } from './schema';

export interface OverseerrFixtureOptions {
  users?: number;
  /** Movie and TV requests in all (tv ones get season requests). */
  requests?: number;
  /** Of `requests`, how many are committed only to the WAL. */
  walRequests?: number;
  issues?: number;
  /** Approximate extra bytes of session rows (random, so they barely compress). */
  padBytes?: number;
  apiKey?: string;
  plex?: { ip: string; port: number; useSsl: boolean };
  /** Write the image's `DOCKER` marker (a config dir that is NOT a mounted volume). */
  dockerMarker?: boolean;
}

export interface OverseerrFixture {
  configDir: string;
  dbPath: string;
  settingsPath: string;
  apiKey: string;
  counts: Counts;
  settings: OverseerrSettings;
}

export type OverseerrSettings = Record<string, unknown> & {
  clientId: string;
  main: { apiKey: string } & Record<string, unknown>;
  plex: { ip: string; port: number; useSsl: boolean; machineId: string; libraries: unknown[] } & Record<string, unknown>;
  sonarr: Array<Record<string, unknown>>;
  radarr: Array<Record<string, unknown>>;
};

/** A settings.json as Overseerr writes it after setup (server/lib/settings.ts AllSettings). */
export function overseerrSettings(apiKey: string, plex: { ip: string; port: number; useSsl: boolean }): OverseerrSettings {
  const dvr = (id: number, name: string, port: number, extra: Record<string, unknown>) => ({
    id, name, hostname: `${name.toLowerCase()}.home.arpa`, port, apiKey: randomBytes(16).toString('hex'), useSsl: false, baseUrl: '',
    activeProfileId: 1, activeProfileName: 'HD-1080p', activeDirectory: `/media/${name.toLowerCase()}`, tags: [], is4k: false, isDefault: true,
    externalUrl: '', syncEnabled: true, preventSearch: false, tagRequests: false, ...extra,
  });
  return {
    clientId: randomUUID(),
    vapidPublic: randomBytes(65).toString('base64url'),
    vapidPrivate: randomBytes(32).toString('base64url'),
    main: {
      apiKey, applicationTitle: 'Overseerr', applicationUrl: 'https://requests.home.arpa', csrfProtection: false, cacheImages: false,
      defaultPermissions: 32, defaultQuotas: { movie: {}, tv: {} }, hideAvailable: false, localLogin: true, newPlexLogin: true, region: '',
      originalLanguage: '', trustProxy: true, partialRequestsEnabled: true, locale: 'en',
    },
    plex: {
      name: 'plex-vm', ip: plex.ip, port: plex.port, useSsl: plex.useSsl, machineId: randomBytes(20).toString('hex'), webAppUrl: '',
      libraries: [
        { id: '1', name: 'Movies', enabled: true, type: 'movie', lastScan: 1_733_000_000_000 },
        { id: '2', name: 'TV Shows', enabled: true, type: 'show', lastScan: 1_733_000_000_000 },
      ],
    },
    tautulli: {},
    radarr: [dvr(0, 'Radarr', 7878, { minimumAvailability: 'released' })],
    sonarr: [dvr(0, 'Sonarr', 8989, { seriesType: 'standard', animeSeriesType: 'anime', activeLanguageProfileId: 1, enableSeasonFolders: true })],
    public: { initialized: true },
    notifications: { agents: { email: { enabled: false, options: {} }, webhook: { enabled: false, types: 0, options: { webhookUrl: '', jsonPayload: '' } } } },
    jobs: { 'plex-recently-added-scan': { schedule: '0 */5 * * * *' }, 'plex-full-scan': { schedule: '0 0 3 * * *' } },
  };
}

function dataSql(o: Required<Pick<OverseerrFixtureOptions, 'users' | 'requests' | 'walRequests' | 'issues' | 'padBytes'>>): string {
  const settled = o.requests - o.walRequests;
  return `
INSERT INTO "user" ("id", "email", "username", "plexId", "permissions", "avatar", "userType", "plexUsername")
  SELECT value, 'user' || value || '@home.arpa', CASE WHEN value % 3 = 0 THEN 'local' || value END, CASE WHEN value % 3 <> 0 THEN 1000 + value END,
         CASE WHEN value = 1 THEN 2 ELSE 32 END, '/os_logo_square.png', CASE WHEN value % 3 = 0 THEN 2 ELSE 1 END,
         CASE WHEN value % 3 <> 0 THEN 'plexuser' || value END
  FROM generate_series(1, ${o.users});
INSERT INTO "user_settings" ("userId", "locale") SELECT id, '' FROM "user";
INSERT INTO "media" ("id", "mediaType", "tmdbId", "tvdbId", "imdbId", "status", "status4k", "ratingKey")
  SELECT value, CASE WHEN value % 2 = 0 THEN 'tv' ELSE 'movie' END, 500 + value, CASE WHEN value % 2 = 0 THEN 70000 + value END,
         'tt' || (1000000 + value), 1 + value % 5, 1, CASE WHEN value % 5 = 4 THEN CAST(20000 + value AS TEXT) END
  FROM generate_series(1, ${o.requests});
INSERT INTO "season" ("seasonNumber", "status", "mediaId")
  SELECT s.value, 1 + (m.id + s.value) % 5, m.id FROM "media" m, generate_series(1, 3) s WHERE m.mediaType = 'tv';
INSERT INTO "media_request" ("id", "status", "type", "mediaId", "requestedById", "modifiedById", "is4k")
  SELECT value, 1 + value % 4, CASE WHEN value % 2 = 0 THEN 'tv' ELSE 'movie' END, value, 1 + value % ${o.users}, 1, 0
  FROM generate_series(1, ${settled});
INSERT INTO "season_request" ("seasonNumber", "status", "requestId")
  SELECT s.value, 1 + r.status % 4, r.id FROM "media_request" r, generate_series(1, 3) s WHERE r.type = 'tv';
INSERT INTO "issue" ("issueType", "status", "problemSeason", "mediaId", "createdById")
  SELECT 1 + value % 4, 1 + value % 2, 0, 1 + value % ${o.requests}, 1 + value % ${o.users} FROM generate_series(1, ${o.issues});
INSERT INTO "issue_comment" ("message", "userId", "issueId") SELECT 'Audio out of sync in episode ' || id, createdById, id FROM "issue";
INSERT INTO "discover_slider" ("type", "order", "isBuiltIn", "enabled") SELECT value, value - 1, 1, 1 FROM generate_series(1, 7);
INSERT INTO "session" ("expiredAt", "id", "json")
  SELECT 4102444800000, lower(hex(randomblob(16))), '{"cookie":{},"userId":1,"pad":"' || hex(randomblob(2000)) || '"}'
  FROM generate_series(1, ${Math.ceil(o.padBytes / 4950)});
`;
}

function walSql(from: number, count: number, users: number): string {
  if (count === 0) return '';
  return `
INSERT INTO "media_request" ("id", "status", "type", "mediaId", "requestedById", "modifiedById", "is4k")
  SELECT value, 1, CASE WHEN value % 2 = 0 THEN 'tv' ELSE 'movie' END, value, 1 + value % ${users}, NULL, 0
  FROM generate_series(${from}, ${from + count - 1});
INSERT INTO "season_request" ("seasonNumber", "status", "requestId")
  SELECT s.value, 1, r.id FROM "media_request" r, generate_series(1, 3) s WHERE r.type = 'tv' AND r.id >= ${from};
`;
}

export async function createOverseerrConfig(configDir: string, opts: OverseerrFixtureOptions = {}): Promise<OverseerrFixture> {
  const o = { users: opts.users ?? 5, requests: opts.requests ?? 12, walRequests: opts.walRequests ?? 3, issues: opts.issues ?? 2, padBytes: opts.padBytes ?? 0 };
  if (o.walRequests > o.requests) throw new Error('walRequests must not exceed requests');
  if (o.users < 1) throw new Error('at least one user (the admin) is needed');
  await mkdir(join(configDir, 'db'), { recursive: true });
  await mkdir(join(configDir, 'logs'), { recursive: true });
  const apiKey = opts.apiKey ?? Buffer.from(`${Date.now()}${randomUUID()}`).toString('base64');
  const settings = overseerrSettings(apiKey, opts.plex ?? { ip: '192.0.2.10', port: 32400, useSsl: false });
  const settingsPath = join(configDir, 'settings.json');
  await writeFile(settingsPath, JSON.stringify(settings, undefined, 1));
  await writeFile(join(configDir, 'logs', 'overseerr.log'), `${new Date().toISOString()} [info][Server]: Server ready on port 5055\n`);
  if (opts.dockerMarker) await writeFile(join(configDir, 'DOCKER'), 'DOCKER');
  const dbPath = join(configDir, 'db', 'db.sqlite3');
  await sqliteExec(dbPath, `PRAGMA journal_mode=WAL;\n${SCHEMA_SQL}\nBEGIN;\n${migrationRowsSql()}\n${dataSql(o)}\nCOMMIT;`, { timeoutMs: 600_000 });
  await sqliteExec(dbPath, walSql(o.requests - o.walRequests + 1, o.walRequests, o.users) || 'SELECT 1;', { keepWal: true });
  const [counts] = await sqliteQuery<Counts>(dbPath, `SELECT ${countsSql}`, { readonly: true });
  if (!counts) throw new Error('could not count the fixture rows');
  return { configDir, dbPath, settingsPath, apiKey, counts, settings };
}
