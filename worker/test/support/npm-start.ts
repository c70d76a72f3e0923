/**
 * @module
 * Runs the README's `npm start` as a terminal would: its own process group (a terminal's
 * foreground job), so a test can send what Ctrl-C sends — SIGINT to the whole group — and
 * then look at what is left. Each run gets its own data directory and ports, so it never
 * touches a developer's `.data/` or stack. Output is kept for assertions; every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, type StackState } from '../../dev/stack-paths';
import { groupMembers } from '../../dev/process-group';

export interface StackPorts {
  http: number;
  pg: number;
  ws: number;
}

export interface NpmStart {
  /** npm's pid = the group id of npm, sh and `npm start`'s node process. */
  pgid: number;
  output(): string;
  /** Output since `mark()` was last called (or since start). */
  since(mark: number): string;
  mark(): number;
  /** Resolves with the first match of `re` in output after `from`; rejects on timeout or exit. */
  waitFor(re: RegExp, timeoutMs: number, from?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  state(): StackState;
}

export function stackStateFile(dataDir: string): string {
  return path.join(dataDir, 'stack.json');
}

export function readStackState(dataDir: string): StackState | null {
  const f = stackStateFile(dataDir);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as StackState) : null;
}

export function startNpmStart(dataDir: string, ports: StackPorts, env: Record<string, string> = {}): NpmStart {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // A developer's own settings must not leak into the stack under test.
  for (const k of ['SECRETS_KEY', 'ADMIN_PLEX_ACCOUNT_IDS', 'DATABASE_URL', 'PUBLIC_URL', 'PLEX_TV_URL', 'PLEXOPS_WORKER_RESTARTS']) delete childEnv[k];
  Object.assign(childEnv, {
    PLEXOPS_DATA_DIR: dataDir,
    PLEXOPS_PORT: String(ports.http),
    PLEXOPS_PG_PORT: String(ports.pg),
    PLEXOPS_WS_PORT: String(ports.ws),
    // Browser tests in the same run serve admin/dist: never rebuild it under them.
    PLEXOPS_SKIP_ADMIN_BUILD: '1',
    ...env,
  });
  const child = spawn('npm', ['start'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      done = true;
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  return {
    pgid: child.pid!,
    output: () => out,
    mark: () => out.length,
    since: (mark) => out.slice(mark),
    exited,
    hasExited: () => done,
    state: () => {
      const s = readStackState(dataDir);
      if (!s) throw new Error(`no ${stackStateFile(dataDir)}; output:\n${out}`);
      return s;
    },
    waitFor: (re, timeoutMs, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.slice(from).match(re);
          if (m) {
            cleanup();
            resolve(m);
          } else if (done) {
            cleanup();
            reject(new Error(`npm start exited before printing ${re}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`npm start did not print ${re} within ${timeoutMs / 1000}s; output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Kills whatever a test left running: the npm group and any wrangler group the state names. */
export function killStack(run: NpmStart | undefined, dataDir: string): void {
  const groups = [run?.pgid, readStackState(dataDir)?.wranglerPid].filter((g): g is number => !!g);
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const pg = readStackState(dataDir)?.postgresPid;
  if (pg) {
    try {
      process.kill(pg, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Live processes in any of the groups, as "comm pid" strings (empty = nothing left). */
export function leftoverProcesses(...groups: number[]): string[] {
  return groups.flatMap((g) => groupMembers(g).map((m) => `${m.comm} ${m.pid} (group ${g})`));
}
