/**
 * @module plex-sim
 * A Plex Media Server simulator over a real config directory ("…/Application Support/Plex Media Server"):
 * its identity comes from Preferences.xml, its library from the Plex library DB (read and written through
 * "Plex SQLite"), its scans from the filesystem it sees. Start it in-process (`startPlexServerSim`, for any
 * job kind's tests that talk to Plex), or as the "Plex Media Server" stand-in process inside the Plex host
 * sandbox and the pms-docker pod (main.ts). Like PMS it mints a NEW identity and an empty library when it
 * starts on an empty config directory.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Library } from './library.js';
import { PlexDb } from './plex-db.js';
import { ensureIdentity, readPrefs } from './prefs.js';
import { createPlexServer, type PlexServerState } from './server.js';
import { LIBRARY_SCHEMA, BLOBS_SCHEMA } from './schema.js';

export { processedId, readPrefs, parsePrefs, writePrefs } from './prefs.js';
export type { PlexServerState } from './server.js';
export type { ScanResult, ScanCounts } from './library.js';

export interface PlexServerSimOptions {
  /** The "Plex Media Server" directory (holds Preferences.xml and Plug-in Support/Databases). */
  pmsDir: string;
  /** The Plex SQLite binary (default: the stand-in in agent/test/hosts/plex). */
  plexSqlite?: string;
  version: string;
  /** Default 0 (any free port) on 127.0.0.1. */
  port?: number;
  host?: string;
  tokens?: string[];
  /** Keep the DBs open while running, as PMS does (default true). */
  hold?: boolean;
}

export interface PlexServerSim {
  url: string;
  port: number;
  machineIdentifier: string;
  /** True when this start minted the identity (the config directory had none). */
  mintedIdentity: boolean;
  state: PlexServerState;
  library: Library;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
export const STAND_IN_PLEX_SQLITE = join(here, '..', '..', 'hosts', 'plex', 'plex-sqlite.py');
export const DB_DIR = 'Plug-in Support/Databases';

export async function startPlexServerSim(o: PlexServerSimOptions): Promise<PlexServerSim> {
  const { prefs, minted } = ensureIdentity(join(o.pmsDir, 'Preferences.xml'));
  const plexSqlite = o.plexSqlite ?? STAND_IN_PLEX_SQLITE;
  const libraryPath = join(o.pmsDir, DB_DIR, 'com.plexapp.plugins.library.db');
  const blobsPath = join(o.pmsDir, DB_DIR, 'com.plexapp.plugins.library.blobs.db');
  const db = new PlexDb(libraryPath, plexSqlite);
  if (!existsSync(libraryPath)) {
    mkdirSync(join(o.pmsDir, DB_DIR), { recursive: true });
    await db.create(LIBRARY_SCHEMA);
    await new PlexDb(blobsPath, plexSqlite).create(BLOBS_SCHEMA);
  }
  if (o.hold !== false) await db.hold([libraryPath, blobsPath]);
  const library = new Library(db);
  const { server, state } = createPlexServer({ library, prefsFile: join(o.pmsDir, 'Preferences.xml'), version: o.version, ...(o.tokens ? { tokens: o.tokens } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host && o.host !== '0.0.0.0' ? o.host : '127.0.0.1'}:${port}`,
    port,
    machineIdentifier: prefs.ProcessedMachineIdentifier ?? readPrefs(join(o.pmsDir, 'Preferences.xml')).ProcessedMachineIdentifier ?? '',
    mintedIdentity: minted,
    state,
    library,
    async close() {
      db.release();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
