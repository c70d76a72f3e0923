/**
 * @module
 * Bundles a TypeScript entry point of the test infrastructure (a stand-in CLI or server) into one
 * self-contained .mjs in a temp dir, once per test process, so test hosts can run it as a real
 * process — `node <bundle>` starts in tens of milliseconds, where tsx would compile on every call.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const built = new Map<string, Promise<string>>();

/** Path of the bundled entry (absolute `entry` path to a .ts file). */
export function bundleScript(entry: string): Promise<string> {
  let p = built.get(entry);
  if (!p) {
    p = mkdtemp(join(tmpdir(), 'bundle-')).then(async (dir) => {
      const outfile = join(dir, `${basename(entry, '.ts')}.mjs`);
      await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', logLevel: 'warning', legalComments: 'none' });
      return outfile;
    });
    built.set(entry, p);
  }
  return p;
}
