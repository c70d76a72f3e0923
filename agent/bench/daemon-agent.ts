/**
 * @module
 * Plugs the REAL agent daemon into `npm run bench:agent -- --agent=daemon`: builds the bundled
 * CLI, enrolls it with the benchmark's one-time code (its own config dir under `workDir`, an
 * allow-nothing policy — the benchmark only runs agent-selftest), starts `plexops-agent run` as a
 * child process and stops it with SIGTERM (SIGKILL if it overstays).
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildAgent } from '../build';

type StartBenchAgent = (opts: { serverUrl: string; enrollCode: string; tags: string[]; workDir: string }) => Promise<{ stop(): Promise<void> }>;

let bundle: Promise<string> | undefined;

export const startBenchAgent: StartBenchAgent = async ({ serverUrl, enrollCode, tags, workDir }) => {
  bundle ??= mkdtemp(join(workDir, 'bin-')).then((d) => buildAgent(join(d, 'plexops-agent.mjs')));
  const bin = await bundle;
  const dir = await mkdtemp(join(workDir, 'agent-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    PLEXOPS_AGENT_CONFIG_DIR: dir,
    PLEXOPS_AGENT_LOG_LEVEL: process.env.PLEXOPS_BENCH_AGENT_LOG_LEVEL ?? 'warn',
  };
  await promisify(execFile)(process.execPath, [bin, 'enroll', '--server', serverUrl, '--code', enrollCode, '--name', 'bench-daemon', '--tags', tags.join(',')], {
    env,
    timeout: 30_000,
  });
  await writeFile(join(dir, 'policy.json'), JSON.stringify({ ssh: [], kube: [], nomad: [] }));
  const child = spawn(process.execPath, [bin, 'run'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
};
