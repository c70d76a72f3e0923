/**
 * @module plex-sim/main
 * The "Plex Media Server" stand-in process (bundled into an install layer by hosts/plex/install.ts and run
 * inside the Plex host sandbox or a pms-docker pod):
 *   `serve --version-string V` — PMS itself: config from $PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR (else
 *     $HOME/Library/Application Support), "Plex SQLite" from the install directory, port 32400 (or
 *     $PLEX_SIM_PORT) on all addresses, process title "Plex Media Server" (so `pidof` finds it). Refuses to
 *     start, as PMS does, when it cannot write its config directory or DB (wrong owner after a copy).
 *   `first-run` — pms-docker's 40-plex-first-run: PLEX_UID/PLEX_GID, CHANGE_CONFIG_DIR_OWNERSHIP (default
 *     true: chown /config when Preferences.xml is not the plex user's), the Preferences.xml shell, a minted
 *     identity when missing (the empty-PVC trap), ADVERTISE_IP, ALLOWED_NETWORKS, TranscoderTempDirectory.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlexServerSim } from './index.js';
import { ensureIdentity, readPrefs, writePrefs } from './prefs.js';

const here = dirname(fileURLToPath(import.meta.url));

function appSupport(): string {
  return process.env.PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR ?? join(process.env.HOME ?? '/', 'Library', 'Application Support');
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function serve(version: string): Promise<void> {
  process.title = 'Plex Media Server';
  const pmsDir = join(appSupport(), 'Plex Media Server');
  const db = join(pmsDir, 'Plug-in Support', 'Databases', 'com.plexapp.plugins.library.db');
  for (const p of [existsSync(pmsDir) ? pmsDir : dirname(pmsDir), ...(existsSync(db) ? [db, dirname(db)] : [])]) {
    if (existsSync(p) && !writable(p)) {
      console.error(`ERROR - Plex Media Server cannot write to "${p}" (uid ${process.getuid?.()}): check ownership of the config directory`);
      process.exit(1);
    }
  }
  const pms = await startPlexServerSim({ pmsDir, plexSqlite: join(here, '..', 'Plex SQLite'), version, port: Number(process.env.PLEX_SIM_PORT ?? 32400), host: '0.0.0.0' });
  console.log(`Plex Media Server v${version} listening on ${pms.port}; machineIdentifier ${pms.machineIdentifier}${pms.mintedIdentity ? ' (new)' : ''}`);
  const stop = () => void pms.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function firstRun(): void {
  const uid = Number(process.env.PLEX_UID ?? 1000);
  const gid = Number(process.env.PLEX_GID ?? 1000);
  const prefsFile = join('/config/Library/Application Support/Plex Media Server/Preferences.xml');
  if ((process.env.CHANGE_CONFIG_DIR_OWNERSHIP ?? 'true').toLowerCase() === 'true') {
    if (!existsSync(prefsFile) || statSync(prefsFile).uid !== uid) {
      execFileSync('find', ['/config', '!', '(', '-uid', String(uid), '-gid', String(gid), ')', '-exec', 'chown', '-h', `${uid}:${gid}`, '{}', '+']);
    }
    if (existsSync('/transcode')) execFileSync('chown', ['-R', `${uid}:${gid}`, '/transcode']);
  }
  const fresh = !existsSync(prefsFile);
  if (fresh) console.log('Creating pref shell');
  const { minted } = ensureIdentity(prefsFile);
  const prefs = readPrefs(prefsFile);
  if (process.env.ADVERTISE_IP) prefs.customConnections = process.env.ADVERTISE_IP;
  if (process.env.ALLOWED_NETWORKS) prefs.allowedNetworks = process.env.ALLOWED_NETWORKS;
  if (!prefs.TranscoderTempDirectory) prefs.TranscoderTempDirectory = '/transcode';
  writePrefs(prefsFile, prefs);
  // The rewritten file belongs to root now; give it (and a fresh directory) back to plex, as the script does.
  execFileSync('chown', fresh ? ['-R', `${uid}:${gid}`, dirname(prefsFile)] : [`${uid}:${gid}`, prefsFile]);
  console.log(`Plex Media Server first run setup complete${minted ? ' (new MachineIdentifier)' : ''}`);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'first-run') firstRun();
else if (mode === 'serve') {
  const i = rest.indexOf('--version-string');
  void serve(i >= 0 ? rest[i + 1] ?? '0.0.0.0-0' : '0.0.0.0-0').catch((e: Error) => {
    console.error(`ERROR - ${e.message}`);
    process.exit(1);
  });
} else {
  console.error('usage: pms-sim (serve --version-string V | first-run)');
  process.exit(2);
}
