/**
 * @module
 * `npm start`: the whole system on embedded defaults, no accounts, no internet. A real
 * PostgreSQL from npm (data in .data/, kept across restarts), the WebSocket proxy the Neon
 * driver goes through, the Worker in workerd (`wrangler dev`) and the built admin SPA.
 * Prints the URL and a one-time sign-in link. Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ws from 'ws';
import { startLocalPostgres, LocalPostgresError } from './postgres';
import { releaseSignalHandlers } from './embedded-postgres';
import { startWsProxy } from './ws-proxy';
import { applyMigrations, ensureDatabase } from './migrate';
import { isPortFree } from './ports';
import { DATA_DIR, LOCAL_DB_NAME, PG_DATA_DIR, ROOT, STACK_STATE_FILE, stackPorts, type StackState } from './stack-paths';
import { runningStack } from './local-db';
import { cleanUpCrashedRun } from './leftovers';
import { createDb } from '../src/db/client';
import { countActiveAdminTokens, createAdminToken } from '../src/services/auth/admin-tokens';
import { createSignInLink } from '../src/services/auth/sign-in-links';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg: string) => console.log(`[plexops ${elapsed().padStart(6)}] ${msg}`);

function postmasterPid(): number | undefined {
  try {
    return Number.parseInt(readFileSync(path.join(PG_DATA_DIR, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10) || undefined;
  } catch {
    return undefined;
  }
}

function fail(msg: string): never {
  console.error(`\nplexops could not start: ${msg}\n`);
  process.exit(1);
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${out.slice(-2000)}`))));
  });
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the Worker did not report healthy within ${timeoutMs / 1000}s`);
}

async function main(): Promise<void> {
  const ports = stackPorts();
  const recovered = await cleanUpCrashedRun(ROOT);
  if (recovered) say(`note: ${recovered}`);
  const other = runningStack();
  if (other) fail(`plexops is already running (pid ${other.pid}) at ${other.url}. Stop it with Ctrl-C in its terminal, or "kill ${other.pid}".`);
  if (!(await isPortFree(ports.http))) fail(`port ${ports.http} is in use. Stop whatever holds it, or run with PLEXOPS_PORT=<another port>.`);
  if (!(await isPortFree(ports.ws))) fail(`port ${ports.ws} is in use. Run with PLEXOPS_WS_PORT=<another port>.`);
  mkdirSync(DATA_DIR, { recursive: true });

  say('starting PostgreSQL (embedded, data in .data/pg)');
  const pg = await startLocalPostgres({ dataDir: PG_DATA_DIR, port: ports.pg }).catch((err) => {
    fail(err instanceof LocalPostgresError ? err.message : `PostgreSQL failed to start: ${String(err)}`);
  });
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => pg.stop()];
  const shutdown = async (code: number) => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    rmSync(STACK_STATE_FILE, { force: true });
    process.exit(code);
  };
  let stopping = false;
  // Our shutdown stops wrangler, the proxy and Postgres in order; embedded-postgres's own
  // handler would exit as soon as Postgres stopped, possibly orphaning wrangler.
  releaseSignalHandlers();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      say('stopping…');
      void shutdown(0);
    });
  }

  const url = `http://127.0.0.1:${ports.http}`;
  const pgUrl = pg.urlFor(LOCAL_DB_NAME);
  const state: StackState = { pid: process.pid, url, pgUrl, wsProxy: `127.0.0.1:${ports.ws}`, startedAt: new Date().toISOString(), ready: false, postgresPid: postmasterPid() };
  const saveState = () => writeFileSync(STACK_STATE_FILE, JSON.stringify(state, null, 2));
  saveState();

  try {
    await ensureDatabase(pg.urlFor('postgres'), LOCAL_DB_NAME);
    await applyMigrations(pgUrl);
    say('migrations applied');

    const proxy = await startWsProxy({ allow: [`127.0.0.1:${ports.pg}`], port: ports.ws });
    cleanups.push(() => proxy.close());

    say('building the admin SPA');
    await run(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'admin/vite.config.ts', '--logLevel', 'error'], { quiet: true });

    say(`starting the Worker in workerd (wrangler dev) on ${url}`);
    const vars: Record<string, string> = { DATABASE_URL: pgUrl, DB_WS_PROXY: proxy.address, ENVIRONMENT: 'development', PUBLIC_URL: process.env.PUBLIC_URL ?? url };
    if (process.env.ADMIN_PLEX_ACCOUNT_IDS) vars.ADMIN_PLEX_ACCOUNT_IDS = process.env.ADMIN_PLEX_ACCOUNT_IDS;
    if (process.env.PLEX_TV_URL) vars.PLEX_TV_URL = process.env.PLEX_TV_URL;
    const wrangler = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--ip', '127.0.0.1', '--port', String(ports.http), '--persist-to', path.join(DATA_DIR, 'wrangler'), '--show-interactive-dev-session=false', ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
      { cwd: ROOT, env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    state.wranglerPid = wrangler.pid;
    saveState();
    cleanups.push(() => new Promise<void>((resolve) => {
      if (wrangler.exitCode !== null) return resolve();
      wrangler.once('exit', () => resolve());
      wrangler.kill('SIGTERM');
      setTimeout(() => wrangler.kill('SIGKILL'), 5000).unref();
    }));
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        // wrangler's banner and scheduled-handler hints are noise here.
        if (!line.trim() || /^\s+at |^\s+(To manually|curl |For more details)|Scheduled Workers are not|Request\.cf|workers\.cloudflare\.com|⛅️|─{5,}|Your Worker has access|Binding|env\.|Ready on|Starting local server/.test(line)) continue;
        console.log(`  worker │ ${line}`);
      }
    };
    wrangler.stdout.on('data', forward);
    wrangler.stderr.on('data', forward);
    wrangler.on('exit', (code) => {
      if (!stopping) {
        console.error(`wrangler dev exited (code ${code}); stopping.`);
        void shutdown(1);
      }
    });

    await waitHealthy(url, wrangler);
    state.ready = true;
    saveState();

    const handle = createDb({ url: pgUrl, wsProxy: proxy.address, webSocketConstructor: ws });
    let firstToken: string | null = null;
    if ((await countActiveAdminTokens(handle.db)) === 0) firstToken = (await createAdminToken(handle.db, 'first-start')).token;
    const link = await createSignInLink(handle.db, url);
    await handle.end();

    say(`healthy after ${elapsed()}`);
    console.log(`\n  plexops is running at ${url}\n`);
    console.log(`  Sign in (one-time link, valid 15 minutes):\n    ${link.url}\n`);
    if (firstToken) {
      console.log(`  Admin API token (shown only this once — store it somewhere safe):\n    ${firstToken}\n`);
    }
    console.log('  New link or token later: npm run admin:token -- --link | --name <name>');
    console.log('  Press Ctrl-C to stop.\n');
  } catch (err) {
    console.error(`\nplexops could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    await shutdown(1);
  }
}

await main();
