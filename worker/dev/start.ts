/**
 * @module
 * `npm start`: the whole system on embedded defaults, no accounts, no internet. A real
 * PostgreSQL from npm (data in .data/, kept across restarts), the WebSocket proxy the Neon
 * driver goes through, the Worker in workerd (`wrangler dev`), the built admin SPA and agent.
 * Prints the URL and a one-time sign-in link.
 *
 * It is a supervisor: the Worker runs in its own process group and is restarted (within a
 * budget) when it dies, while Postgres keeps running; Postgres dying stops everything with a
 * message, since restarting under a crashed database hides the cause. Ctrl-C (or SIGTERM)
 * stops the Worker group, the proxy and Postgres in that order and removes `.data/stack.json`,
 * so only a run that really crashed leaves it for the next start to report and clean up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ws from 'ws';
import { startLocalPostgres, LocalPostgresError, type LocalPostgres } from './postgres';
import { releaseSignalHandlers } from './embedded-postgres';
import { startWsProxy, type WsProxy } from './ws-proxy';
import { applyMigrations, ensureDatabase } from './migrate';
import { isPortFree } from './ports';
import { DATA_DIR, LOCAL_DB_NAME, PG_DATA_DIR, ROOT, SECRETS_KEY_FILE, STACK_STATE_FILE, WORKER_ENV_FILE, stackPorts, type StackState } from './stack-paths';
import { runningStack } from './local-db';
import { cleanUpCrashedRun } from './leftovers';
import { loadLocalSecretsKey, secretsEnvFile } from './local-secrets-key';
import { restartBudgetFromEnv } from './restart-budget';
import { spawnWranglerDev } from './wrangler-dev';
import { WorkerSupervisor } from './worker-supervisor';
import { signalGroup } from './process-group';
import { createDb } from '../src/db/client';
import { countActiveAdminTokens, createAdminToken } from '../src/services/auth/admin-tokens';
import { createSignInLink } from '../src/services/auth/sign-in-links';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg: string) => console.log(`[plexops ${elapsed().padStart(6)}] ${msg}`);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** `.data/pg` inside the checkout, the absolute path elsewhere (PLEXOPS_DATA_DIR). */
const shown = (p: string) => (p.startsWith(`${process.cwd()}${path.sep}`) ? path.relative(process.cwd(), p) : p);
/** A terminal's Ctrl-C can arrive more than once (npm and wrappers forward it): one stop request. */
const DUPLICATE_SIGNAL_MS = 1500;
export const AGENT_BUNDLE = path.join(ROOT, 'agent/dist/plexops-agent.mjs');

/** Quotes for a POSIX shell only when needed, so the usual path reads plainly. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const running: { pg?: LocalPostgres; pgStarting?: Promise<LocalPostgres>; proxy?: WsProxy; worker?: WorkerSupervisor; build?: ChildProcess } = {};
const state: StackState = { pid: process.pid, url: '', pgUrl: '', wsProxy: '', startedAt: new Date().toISOString(), ready: false };
/** Set once we wrote stack.json: a start refused because another one runs must not delete that one's file. */
let ownsState = false;
const saveState = () => {
  writeFileSync(STACK_STATE_FILE, JSON.stringify(state, null, 2));
  ownsState = true;
};
let stopping: Promise<never> | null = null;

/** Stops whatever runs, in order, and exits. Idempotent: later calls share the first. */
function stopAll(code: number, message?: string): Promise<never> {
  stopping ??= (async () => {
    if (message) console.error(`\n${message}\n`);
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${errorText(err)}`);
      }
    };
    running.build?.kill('SIGTERM');
    await attempt('the Worker', () => running.worker?.stop());
    await attempt('the WebSocket proxy', () => running.proxy?.close());
    await attempt('PostgreSQL', async () => (running.pg ?? (await running.pgStarting?.catch(() => undefined)))?.stop());
    if (problems.length) {
      // Keep stack.json: the next start reports the leftovers and stops them.
      console.error(`could not stop everything: ${problems.join('; ')}`);
      process.exit(code || 1);
    }
    if (ownsState) rmSync(STACK_STATE_FILE, { force: true });
    process.exit(code);
  })();
  return stopping;
}

function fail(msg: string): Promise<never> {
  return stopAll(1, `plexops could not start: ${msg}`);
}

/** A second Ctrl-C a moment later means "now": kill the children outright, then leave. */
function forceStop(): void {
  say('forced stop: killing the Worker and PostgreSQL');
  if (state.wranglerPid) signalGroup(state.wranglerPid, 'SIGKILL');
  try {
    if (running.pg?.pid) process.kill(running.pg.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  process.exit(130);
}

function handleSignals(): void {
  // Our shutdown stops wrangler, the proxy and Postgres in order; embedded-postgres's own
  // handler would exit as soon as Postgres stopped.
  releaseSignalHandlers();
  let first = 0;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (!first) {
        first = Date.now();
        say('stopping…');
        void stopAll(0);
      } else if (Date.now() - first > DUPLICATE_SIGNAL_MS) forceStop();
    });
  }
  process.on('uncaughtException', (err) => void stopAll(1, `plexops stopped after an unexpected error: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => void stopAll(1, `plexops stopped after an unexpected error: ${errorText(err)}`));
}

function runQuiet(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running.build = child;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      running.build = undefined;
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(args[0] ?? cmd)} ${args.slice(1).join(' ')} exited with ${code}\n${out.slice(-2000)}`));
    });
  });
}

async function buildArtifacts(): Promise<void> {
  // Tests start stacks beside browser tests that serve admin/dist: they skip rebuilding it.
  if (process.env.PLEXOPS_SKIP_ADMIN_BUILD !== '1') {
    say('building the admin SPA');
    await runQuiet(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'admin/vite.config.ts', '--logLevel', 'error']);
  }
  say('building the agent (agent/dist/plexops-agent.mjs)');
  await runQuiet(process.execPath, ['--import', 'tsx', path.join(ROOT, 'agent/build.ts')]);
}

/** Loads (or on the first start generates) the local SECRETS_KEY and hands it to wrangler in a 0600 file. */
function prepareSecretsKey(): void {
  const k = loadLocalSecretsKey(SECRETS_KEY_FILE);
  const file = shown(SECRETS_KEY_FILE);
  if (k.source === 'generated') say(`generated a secrets key in ${file} (mode 0600): it encrypts the Plex token and TMDB key saved in Settings; keep it with the data`);
  else if (k.source === 'file') say(`secrets key: ${file}`);
  else say('secrets key: SECRETS_KEY from the environment');
  if (k.note) say(`note: ${k.note}`);
  writeFileSync(WORKER_ENV_FILE, secretsEnvFile(k.key), { mode: 0o600 });
  chmodSync(WORKER_ENV_FILE, 0o600); // the mode above applies only when the file is new
}

async function preflight(ports: ReturnType<typeof stackPorts>): Promise<void> {
  const recovered = await cleanUpCrashedRun(ROOT);
  if (recovered) say(`note: ${recovered}`);
  const other = runningStack();
  if (other) await fail(`plexops is already running (pid ${other.pid}) at ${other.url}. Stop it with Ctrl-C in its terminal, or "kill ${other.pid}".`);
  if (!(await isPortFree(ports.http))) await fail(`port ${ports.http} is in use. Stop whatever holds it, or run with PLEXOPS_PORT=<another port>.`);
  if (!(await isPortFree(ports.ws))) await fail(`port ${ports.ws} is in use. Run with PLEXOPS_WS_PORT=<another port>.`);
  mkdirSync(DATA_DIR, { recursive: true });
}

async function printWelcome(url: string, pgUrl: string, proxy: WsProxy): Promise<void> {
  const handle = createDb({ url: pgUrl, wsProxy: proxy.address, webSocketConstructor: ws });
  let firstToken: string | null = null;
  if ((await countActiveAdminTokens(handle.db)) === 0) firstToken = (await createAdminToken(handle.db, 'first-start')).token;
  const link = await createSignInLink(handle.db, url);
  await handle.end();

  say(`healthy after ${elapsed()}`);
  console.log(`\n  plexops is running at ${url}\n`);
  console.log(`  Sign in (one-time link, valid 15 minutes):\n    ${link.url}\n`);
  if (firstToken) console.log(`  Admin API token (shown only this once — store it somewhere safe):\n    ${firstToken}\n`);
  console.log('  New link or token later: npm run admin:token -- --link | --name <name>');
  console.log('  Press Ctrl-C to stop.\n');
}

async function main(): Promise<void> {
  handleSignals();
  const ports = stackPorts();
  await preflight(ports);
  prepareSecretsKey();

  say(`starting PostgreSQL (embedded, data in ${shown(PG_DATA_DIR)})`);
  running.pgStarting = startLocalPostgres({ dataDir: PG_DATA_DIR, port: ports.pg });
  const pg = await running.pgStarting.catch((err) => fail(err instanceof LocalPostgresError ? err.message : `PostgreSQL failed to start: ${String(err)}`));
  running.pg = pg;
  void pg.exited.then(({ code, signal }) =>
    stopAll(1, `plexops stopped: PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}). Its data is safe; start again with "npm start".`),
  );

  const url = `http://127.0.0.1:${ports.http}`;
  const pgUrl = pg.urlFor(LOCAL_DB_NAME);
  Object.assign(state, { url, pgUrl, wsProxy: `127.0.0.1:${ports.ws}`, postgresPid: pg.pid });
  saveState();

  await ensureDatabase(pg.urlFor('postgres'), LOCAL_DB_NAME);
  await applyMigrations(pgUrl);
  say('migrations applied');
  const proxy = await startWsProxy({ allow: [`127.0.0.1:${ports.pg}`], port: ports.ws });
  running.proxy = proxy;
  await buildArtifacts();

  say(`starting the Worker in workerd (wrangler dev) on ${url}`);
  const vars: Record<string, string> = {
    DATABASE_URL: pgUrl,
    DB_WS_PROXY: proxy.address,
    ENVIRONMENT: 'development',
    PUBLIC_URL: process.env.PUBLIC_URL ?? url,
    // The enroll command the Agents page shows runs as shown on this machine.
    AGENT_COMMAND: `node ${shellQuote(AGENT_BUNDLE)}`,
  };
  if (process.env.ADMIN_PLEX_ACCOUNT_IDS) vars.ADMIN_PLEX_ACCOUNT_IDS = process.env.ADMIN_PLEX_ACCOUNT_IDS;
  if (process.env.PLEX_TV_URL) vars.PLEX_TV_URL = process.env.PLEX_TV_URL;
  const worker = new WorkerSupervisor({
    url,
    budget: restartBudgetFromEnv(),
    say,
    spawn: () => spawnWranglerDev({ port: ports.http, persistTo: path.join(DATA_DIR, 'wrangler'), vars, secretsEnvFile: WORKER_ENV_FILE, onLine: (l) => console.log(`  worker │ ${l}`) }),
    onStarted: (dev) => {
      state.wranglerPid = dev.pgid;
      saveState();
    },
    onGiveUp: (reason) => void stopAll(1, `plexops stopped: ${reason}. Look at the worker │ lines above for the cause, then "npm start" again.`),
  });
  running.worker = worker;
  await worker.start();
  state.ready = true;
  saveState();
  await printWelcome(url, pgUrl, proxy);
}

main().catch((err: unknown) => fail(errorText(err)));
