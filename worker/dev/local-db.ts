/**
 * @module
 * Opens the local stack's database from Node tools (`admin:token`), through the same Neon
 * driver path the Worker uses. If `npm start` is running it reuses its Postgres; otherwise
 * it starts the embedded Postgres on `.data/` for the duration of the command.
 */
import { existsSync, readFileSync } from 'node:fs';
import ws from 'ws';
import { createDb, type Db } from '../src/db/client';
import { startLocalPostgres, type LocalPostgres } from './postgres';
import { startWsProxy, type WsProxy } from './ws-proxy';
import { applyMigrations, ensureDatabase } from './migrate';
import { freePort } from './ports';
import { LOCAL_DB_NAME, PG_DATA_DIR, STACK_STATE_FILE, stackPorts, type StackState } from './stack-paths';

export function runningStack(): StackState | null {
  if (!existsSync(STACK_STATE_FILE)) return null;
  try {
    const state = JSON.parse(readFileSync(STACK_STATE_FILE, 'utf8')) as StackState;
    process.kill(state.pid, 0);
    return state.ready ? state : null;
  } catch {
    return null;
  }
}

export interface OpenedDb {
  db: Db;
  /** The admin URL of the running stack, if one is running. */
  stackUrl: string | null;
  close(): Promise<void>;
}

/** DATABASE_URL wins; else the running stack; else a temporary start of the embedded Postgres. */
export async function openLocalDb(): Promise<OpenedDb> {
  let pg: LocalPostgres | undefined;
  let url = process.env.DATABASE_URL;
  const stack = url ? null : runningStack();
  if (!url && stack) url = stack.pgUrl;
  if (!url) {
    pg = await startLocalPostgres({ dataDir: PG_DATA_DIR, port: stackPorts().pg });
    await ensureDatabase(pg.urlFor('postgres'), LOCAL_DB_NAME);
    url = pg.urlFor(LOCAL_DB_NAME);
    await applyMigrations(url);
  }
  const target = new URL(url);
  // Neon's hosted proxy speaks WebSockets itself; a plain Postgres needs our local proxy.
  let proxy: WsProxy | undefined;
  if (!target.hostname.endsWith('.neon.tech')) {
    proxy = await startWsProxy({ allow: [`${target.hostname}:${target.port || 5432}`], port: await freePort() });
  }
  const handle = createDb({ url, webSocketConstructor: ws, ...(proxy ? { wsProxy: proxy.address } : {}) });
  return {
    db: handle.db,
    stackUrl: stack?.url ?? null,
    close: async () => {
      await handle.end();
      await proxy?.close();
      await pg?.stop();
    },
  };
}
