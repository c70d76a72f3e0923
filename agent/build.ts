/**
 * @module
 * Builds `agent/dist/plexops-agent.mjs`: ONE self-contained ESM file (zod and the shared
 * contracts bundled in; only node: builtins stay external) with a shebang, mode 0755.
 * `npm run agent:build`, or import {@link buildAgent} (tests build into a temp dir).
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface BuildOptions {
  /** Tests only: bake in a different agent protocol version (to exercise 426 handling). */
  protocolVersion?: number;
}

export async function buildAgent(outfile = join(here, 'dist', 'plexops-agent.mjs'), opts: BuildOptions = {}): Promise<string> {
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    logLevel: 'warning',
    plugins:
      opts.protocolVersion === undefined
        ? []
        : [
            {
              name: 'protocol-version',
              setup(b) {
                b.onLoad({ filter: /contracts[\\/]version\.ts$/ }, async (args) => ({
                  contents: (await readFile(args.path, 'utf8')).replace(
                    /AGENT_PROTOCOL_VERSION = \d+/,
                    `AGENT_PROTOCOL_VERSION = ${opts.protocolVersion}`,
                  ),
                  loader: 'ts',
                }));
              },
            },
          ],
  });
  await chmod(outfile, 0o755);
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildAgent();
  // The admin's enroll command says `plexops-agent …`: say how to make that name exist.
  process.stdout.write(
    `built ${out}\n` +
      `On the agent's machine (Node 20+), install it as plexops-agent:\n` +
      `  sudo install -m 0755 plexops-agent.mjs /usr/local/bin/plexops-agent\n` +
      `or run it in place: node ${out} <command>\n`,
  );
}
