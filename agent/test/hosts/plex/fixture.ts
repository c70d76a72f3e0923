/**
 * @module plex-host/fixture
 * Builds what a Plex Media Server leaves on disk, for migration tests: the "Application Support/Plex Media
 * Server" tree as the Ubuntu package lays it out — Preferences.xml (MachineIdentifier, ProcessedMachineIdentifier
 * = sha1("<MachineIdentifier>- Plex Media Server"), PlexOnlineToken, a host-path TranscoderTempDirectory), the
 * library and blobs DBs (real SQLite with Plex's tables, the icu_root collation, committed rows that live only in
 * the -wal), DB backups, Metadata and Media bundles with *.bif files, the directories a move skips (Cache, Crash
 * Reports, Diagnostics, Logs, Updates, Codecs), and the awkward cases: names with spaces, unicode and quotes, an
 * empty directory, a symlink, a 0600 file, fixed old mtimes, files owned by the plex user (not the image's uid).
 * Plus the household's media files the DB points at (under the media roots).
 *
 * `sizeBytes` sets how much data the tree holds (posters, bif files and the blobs DB): a few MB for unit tests,
 * hundreds of MB for job tests, 2 GiB for the benchmark.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync, lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { libraryData, prng, rowCounts, type LibraryData } from './library-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const SCHEMAS = join(here, '..', '..', 'sims', 'plex');

export const DEFAULT_VERSION = '1.41.6.9685-d301f511a';
export const DEFAULT_APP_SUPPORT = '/var/lib/plexmediaserver/Library/Application Support';
export const EXCLUDED_DIRS = ['Cache', 'Crash Reports', 'Diagnostics', 'Logs', 'Updates', 'Codecs'];

export interface PlexFixtureOptions {
  /** An empty host directory to build in. */
  dir: string;
  version?: string;
  machineIdentifier?: string;
  /** Bytes of metadata beyond the DB rows (posters, *.bif, blobs DB). Default 8 MiB. */
  sizeBytes?: number;
  movies?: number;
  shows?: number;
  episodesPerShow?: number;
  seed?: number;
  /** Owner of the data on the source (the Ubuntu package's plex user, a system id). Default: the highest id ≤ 999 free on this machine. */
  plexUid?: number;
  plexGid?: number;
  /** Where the data lives on the source (the service's PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR). */
  appSupportDir?: string;
  mediaRoot?: string;
  optimizedRoot?: string;
  /** The server's PlexOnlineToken (what the PMS simulator accepts as X-Plex-Token). */
  token?: string;
}

export interface PlexFixture {
  dir: string;
  version: string;
  machineIdentifier: string;
  processedMachineIdentifier: string;
  token: string;
  plexUid: number;
  plexGid: number;
  /** Path on the source (inside the host sandbox) of "Application Support". */
  appSupportDir: string;
  /** Host directory holding "Application Support" (mounted at appSupportDir). */
  appSupportHostDir: string;
  /** Host path of ".../Plex Media Server". */
  pmsHostDir: string;
  mediaRoot: string;
  optimizedRoot: string;
  /** Host directories behind the media roots. */
  mediaHostDir: string;
  optimizedHostDir: string;
  /** Row counts per table (.db + -wal), and the rows that live only in the -wal. */
  counts: Record<string, number>;
  walOnly: Record<string, number>;
  sections: LibraryData['sections'];
  libraryDb: string;
  blobsDb: string;
}

/** The identity rule of pms-docker's first-run script (and /identity): sha1 of "<MachineIdentifier>- Plex Media Server". */
export const processedMachineIdentifier = (machineIdentifier: string) => createHash('sha1').update(`${machineIdentifier}- Plex Media Server`).digest('hex');

export const DB_DIR = 'Plug-in Support/Databases';
export const LIBRARY_DB = 'com.plexapp.plugins.library.db';
export const BLOBS_DB = 'com.plexapp.plugins.library.blobs.db';

const OLD = new Date('2025-06-01T12:00:00Z');

export function preferencesXml(p: { machineIdentifier: string; token: string; transcoderTemp?: string; friendlyName?: string; version?: string }): string {
  const attrs: Record<string, string> = {
    OldestPreviousVersion: '1.32.5.7349-8f4248874',
    MachineIdentifier: p.machineIdentifier,
    ProcessedMachineIdentifier: processedMachineIdentifier(p.machineIdentifier),
    AnonymousMachineIdentifier: randomUUID(),
    MetricsEpoch: '1',
    AcceptedEULA: '1',
    FriendlyName: p.friendlyName ?? 'Wohnzimmer "Plex" & Co',
    PublishServerOnPlexOnlineKey: '1',
    PlexOnlineHome: '1',
    PlexOnlineToken: p.token,
    PlexOnlineUsername: 'plexadmin',
    PlexOnlineMail: 'owner@example.invalid',
    LastAutomaticMappedPort: '0',
    ManualPortMappingMode: '0',
    autoEmptyTrash: '1',
    ...(p.transcoderTemp ? { TranscoderTempDirectory: p.transcoderTemp } : {}),
    ...(p.version ? { lastVersion: p.version } : {}),
  };
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="utf-8"?>\n<Preferences ${Object.entries(attrs).map(([k, v]) => `${k}="${esc(v)}"`).join(' ')}/>\n`;
}

/** Runs the DB builder (python3 + the Plex SQLite stand-in's collation). */
function buildDbs(data: LibraryData, library: string, blobs: string, blobBytes: number): void {
  const size = 64 * 1024;
  const count = Math.max(4, Math.floor(blobBytes / size));
  const walCount = Math.max(1, Math.floor(count / 10));
  const spec = { library, blobsDb: blobs, schema: join(SCHEMAS, 'library-schema.sql'), blobsSchema: join(SCHEMAS, 'blobs-schema.sql'), base: data.base, wal: data.wal, blobs: { count: count - walCount, size, walCount } };
  execFileSync('/usr/bin/python3', [join(here, 'build-library-db.py')], { input: JSON.stringify(spec), stdio: ['pipe', 'inherit', 'inherit'] });
}

export function buildPlexFixture(o: PlexFixtureOptions): PlexFixture {
  const version = o.version ?? DEFAULT_VERSION;
  const machineIdentifier = o.machineIdentifier ?? randomUUID();
  const token = o.token ?? randomBytes(10).toString('base64url');
  const appSupportDir = o.appSupportDir ?? DEFAULT_APP_SUPPORT;
  const mediaRoot = o.mediaRoot ?? '/mnt/nas-plex';
  const optimizedRoot = o.optimizedRoot ?? '/mnt/nas-plex-optimized';
  const plexUid = o.plexUid ?? freeSystemId();
  const plexGid = o.plexGid ?? plexUid;
  const size = o.sizeBytes ?? 8 * 1024 * 1024;
  const rand = prng((o.seed ?? 42) + 7);

  const appSupportHostDir = join(o.dir, 'app-support');
  const pms = join(appSupportHostDir, 'Plex Media Server');
  const mediaHostDir = join(o.dir, 'media');
  const optimizedHostDir = join(o.dir, 'media-optimized');
  const file = (rel: string, content: Buffer | string, mode = 0o644) => {
    const p = join(pms, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content, { mode });
    chmodSync(p, mode);
    return p;
  };

  // The library DB and blobs DB (blobs carry ~25 % of the size).
  const data = libraryData({ mediaRoot, optimizedRoot, movies: o.movies ?? 24, shows: o.shows ?? 3, episodesPerShow: o.episodesPerShow ?? 6, mediaFileBytes: 96 * 1024, seed: o.seed ?? 42 });
  const dbDir = join(pms, DB_DIR);
  mkdirSync(dbDir, { recursive: true });
  const libraryDb = join(dbDir, LIBRARY_DB);
  const blobsDb = join(dbDir, BLOBS_DB);
  buildDbs(data, libraryDb, blobsDb, Math.floor(size * 0.25));
  // Plex's own nightly backups sit beside the DBs.
  execFileSync('cp', ['--preserve=all', libraryDb, `${libraryDb}-2025-05-30`]);

  file('Preferences.xml', preferencesXml({ machineIdentifier, token, transcoderTemp: '/var/lib/plexmediaserver/tmp_transcoding', version }));
  file('Setup Plex.html', '<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1:32400/web"></head></html>\n');
  file('.LocalAdminToken', randomBytes(16).toString('hex'), 0o600);
  file('Plug-in Support/Preferences/com.plexapp.agents.none.xml', '<?xml version="1.0"?>\n<PluginPreferences/>\n');
  file('Plug-in Support/Data/com.plexapp.system/Ünïcødé “quoted” & \'single\' dir/file with spaces.xml', '<Data note="names with spaces, unicode and quotes"/>\n');
  mkdirSync(join(pms, 'Plug-in Support/Caches/com.plexapp.system/empty'), { recursive: true });
  symlinkSync('../Databases/com.plexapp.plugins.library.db', join(pms, 'Plug-in Support/Data/current-library.db'));

  // Metadata bundles (posters/art, ~40 % of the size) and media analysis (*.bif, ~35 %).
  const posterBudget = Math.floor(size * 0.4);
  const bifBudget = Math.floor(size * 0.35);
  let bundle = 0;
  const bundlePath = (kind: string) => {
    const h = createHash('sha1').update(`${kind}-${bundle++}`).digest('hex');
    return `${kind}/${h[0]}/${h.slice(1)}.bundle`;
  };
  for (let used = 0; used < posterBudget; ) {
    const n = 16 * 1024 + Math.floor(rand() * 240 * 1024);
    const b = bundlePath(bundle % 3 === 0 ? 'Metadata/TV Shows' : 'Metadata/Movies');
    file(`${b}/Contents/_combined/posters/tv.plex.agents.movie_${bundle}.jpg`, randomBytes(n));
    file(`${b}/Contents/_combined/Info.xml`, `<?xml version="1.0" encoding="utf-8"?>\n<Movie id="${bundle}" title="Bundle ${bundle}"/>\n`);
    used += n;
  }
  for (let used = 0; used < bifBudget; ) {
    const n = 256 * 1024 + Math.floor(rand() * 768 * 1024);
    file(`${bundlePath('Media/localhost')}/Contents/Indexes/index-sd.bif`, randomBytes(n));
    used += n;
  }

  // What a move skips.
  file('Cache/PhotoTranscoder/0a/0a1b2c.jpg', randomBytes(32 * 1024));
  file('Cache/CloudAccess.dat', randomBytes(512));
  file('Crash Reports/1.41.6.9685-d301f511a/PLEX MEDIA SERVER/crash-1.dmp', randomBytes(8 * 1024));
  file('Diagnostics/diag-2025-05-01.zip', randomBytes(4 * 1024));
  file('Logs/Plex Media Server.log', 'May 30, 2025 12:00:00.000 [0x7f] INFO - Plex Media Server v1.41.6.9685-d301f511a - Ubuntu\n');
  file('Logs/Plex Media Scanner.log', 'scanner log\n');
  file('Updates/1.41.6.9685-d301f511a/packages/plexmediaserver_1.41.6.9685-d301f511a_amd64.deb', randomBytes(16 * 1024));
  file('Codecs/4e6b29f-ubuntu-x86_64/libhevc_decoder.so', randomBytes(16 * 1024));

  // The household's media (not part of the move; mounted on both sides).
  for (const m of data.media) {
    const host = m.path.startsWith(optimizedRoot) ? join(optimizedHostDir, m.path.slice(optimizedRoot.length)) : join(mediaHostDir, m.path.slice(mediaRoot.length));
    mkdirSync(dirname(host), { recursive: true });
    writeFileSync(host, randomBytes(m.size));
  }

  ownAndAge(appSupportHostDir, plexUid, plexGid);
  const walOnly = Object.fromEntries(Object.entries(data.wal).map(([t, r]) => [t, r.length]));
  return {
    dir: o.dir, version, machineIdentifier, processedMachineIdentifier: processedMachineIdentifier(machineIdentifier), token, plexUid, plexGid,
    appSupportDir, appSupportHostDir, pmsHostDir: pms, mediaRoot, optimizedRoot, mediaHostDir, optimizedHostDir,
    counts: rowCounts(data), walOnly, sections: data.sections, libraryDb, blobsDb,
  };
}

/** The highest system uid/gid (≤ 999) that neither /etc/passwd nor /etc/group uses, as adduser --system picks. */
export function freeSystemId(): number {
  const used = new Set<number>();
  for (const f of ['/etc/passwd', '/etc/group']) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const id = Number(line.split(':')[2]);
      if (Number.isInteger(id)) used.add(id);
    }
  }
  for (let id = 999; id > 100; id--) if (!used.has(id)) return id;
  throw new Error('no free system id');
}

/** Gives the tree the plex user's ownership and old, fixed mtimes (so a copy that loses either shows). */
function ownAndAge(dir: string, uid: number, gid: number): void {
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    if (st.isSymbolicLink()) {
      lchownSync(p, uid, gid);
      return;
    }
    chownSync(p, uid, gid);
    utimesSync(p, OLD, OLD);
  };
  walk(dir);
}
