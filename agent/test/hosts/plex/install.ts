/**
 * @module plex-host/install
 * A Plex Media Server install as an image layer (a host directory shaped like a root filesystem), shared by the
 * Plex source host and the pms-docker stand-in image: `/usr/lib/plexmediaserver/` with
 *   - "Plex Media Server": `--version` prints `v<version>` (as the real binary); otherwise it runs the PMS
 *     simulator (agent/test/sims/plex, bundled once per test process with esbuild into lib/pms-sim.mjs, run by
 *     this machine's node, which every sandbox sees under /usr);
 *   - "Plex SQLite": the stand-in that knows Plex's icu_root collation (omit it with `plexSqlite: false` to
 *     test a job's "Plex SQLite missing" path).
 */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const SIM = join(here, '..', '..', 'sims', 'plex');
export const INSTALL_DIR = '/usr/lib/plexmediaserver';

let bundled: Promise<string> | undefined;

/** Bundles the PMS simulator's process entry once per test process; returns the .mjs path. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'pms-sim-bundle-')), 'pms-sim.mjs');
    await build({
      entryPoints: [join(SIM, 'main.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return out;
  })();
  return bundled;
}

export interface InstallLayerOptions {
  version: string;
  /** Include the "Plex SQLite" stand-in (default true). */
  plexSqlite?: boolean;
}

/** Writes the install into `layer` (a root-shaped directory); returns the layer path. */
export async function plexInstallLayer(layer: string, o: InstallLayerOptions): Promise<string> {
  const dir = join(layer, INSTALL_DIR);
  const lib = join(dir, 'lib');
  mkdirSync(lib, { recursive: true });
  copyFileSync(await bundle(), join(lib, 'pms-sim.mjs'));
  copyFileSync(join(SIM, 'library-schema.sql'), join(lib, 'library-schema.sql'));
  copyFileSync(join(SIM, 'blobs-schema.sql'), join(lib, 'blobs-schema.sql'));
  const server = join(dir, 'Plex Media Server');
  writeFileSync(
    server,
    [
      '#!/bin/sh',
      '# Plex Media Server stand-in for tests (see agent/test/hosts/plex/install.ts).',
      `if [ "$1" = "--version" ]; then echo "v${o.version}"; exit 0; fi`,
      `exec ${process.execPath} "${INSTALL_DIR}/lib/pms-sim.mjs" serve --version-string "${o.version}"`,
      '',
    ].join('\n'),
  );
  chmodSync(server, 0o755);
  if (o.plexSqlite !== false) {
    copyFileSync(join(here, 'plex-sqlite.py'), join(dir, 'Plex SQLite'));
    chmodSync(join(dir, 'Plex SQLite'), 0o755);
  }
  mkdirSync(dirname(join(layer, 'usr/share/doc/plexmediaserver/copyright')), { recursive: true });
  writeFileSync(join(layer, 'usr/share/doc/plexmediaserver/copyright'), 'Plex Media Server stand-in for tests.\n');
  return layer;
}
