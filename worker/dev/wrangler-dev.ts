/**
 * @module
 * One `wrangler dev` for the local stack, in its own process group (see process-group.ts):
 * the launcher, wrangler, its two workerd processes (a proxy on the public port and the
 * Worker itself on `entry=127.0.0.1:0`) and esbuild. Stopping it stops the whole group.
 * Secrets reach it through an env file (mode 0600), never its command line, which any local
 * user can read.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { groupMembers, stopGroup } from './process-group';
import { ROOT } from './stack-paths';

export interface WranglerDevOptions {
  port: number;
  persistTo: string;
  /** Plain variables (visible in `ps`): nothing secret. */
  vars: Record<string, string>;
  /** A dotenv file with the secrets (SECRETS_KEY). */
  secretsEnvFile: string;
  onLine(line: string): void;
}

export interface WranglerDev {
  /** The launcher's pid, which is also the group id. */
  pgid: number;
  /** Settles when the launcher exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Pids of the group's workerd processes right now. */
  workerdPids(): number[];
  /** Stops every process in the group (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

// wrangler's banner and scheduled-handler hints are noise in npm start's output.
const NOISE =
  /^\s+at |^\s+(To manually|curl |For more details)|Scheduled Workers are not|Request\.cf|workers\.cloudflare\.com|⛅️|─{5,}|Your Worker has access|Binding|env\.|Ready on|Starting local server|Using secrets defined in/;

export function spawnWranglerDev(opts: WranglerDevOptions): WranglerDev {
  // A developer's own .dev.vars stays in effect (wrangler skips it once --env-file is given).
  const envFiles = [path.join(ROOT, '.dev.vars'), opts.secretsEnvFile].filter((f) => existsSync(f));
  const args = [
    path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--persist-to',
    opts.persistTo,
    '--show-interactive-dev-session=false',
    ...envFiles.flatMap((f) => ['--env-file', f]),
    ...Object.entries(opts.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not start wrangler dev');
  const pgid = child.pid;
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() && !NOISE.test(line)) opts.onLine(line);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  return {
    pgid,
    exited,
    workerdPids: () => groupMembers(pgid).filter((m) => m.comm === 'workerd').map((m) => m.pid),
    stop: () => stopGroup(pgid),
  };
}
