/**
 * @module
 * The one way to reach Postgres: `@neondatabase/serverless` Pool + drizzle, created per
 * request and closed with waitUntil (production). Locally and in tests the same driver goes
 * through a WebSocket→TCP proxy to a plain Postgres, so every test exercises the production path.
 */
import { Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export type Db = ReturnType<typeof drizzle<typeof schema>>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the pool-backed client or an open transaction: services accept both. */
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  pool: Pool;
  end(): Promise<void>;
}

export interface DbOptions {
  url: string;
  /** host:port of a local WebSocket→TCP proxy; unset in production (Neon's own proxy). */
  wsProxy?: string;
  /** Node has no global WebSocket before v22: pass `ws`. workerd has one. */
  webSocketConstructor?: unknown;
  /** Cap connection set-up so an unreachable DB fails fast with DB_UNAVAILABLE. */
  connectTimeoutMs?: number;
  max?: number;
}

export function configureNeon(opts: Pick<DbOptions, 'wsProxy' | 'webSocketConstructor'>): void {
  if (opts.webSocketConstructor) neonConfig.webSocketConstructor = opts.webSocketConstructor as typeof WebSocket;
  if (opts.wsProxy) {
    const proxy = opts.wsProxy;
    neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    // A plain Postgres speaks SCRAM; pipelining the startup only works against Neon's proxy.
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
}

/** The deployment's database as its bindings describe it (DATABASE_URL, and DB_WS_PROXY locally). */
export function openDb(cfg: { DATABASE_URL: string; DB_WS_PROXY?: string | undefined }): DbHandle {
  return createDb({ url: cfg.DATABASE_URL, ...(cfg.DB_WS_PROXY ? { wsProxy: cfg.DB_WS_PROXY } : {}) });
}

export function createDb(opts: DbOptions): DbHandle {
  configureNeon(opts);
  const pool = new Pool({
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    max: opts.max ?? 5,
  });
  // An idle client's socket dying must not crash the isolate; the next query reconnects.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  let ended = false;
  return {
    db,
    pool,
    end: async () => {
      if (ended) return;
      ended = true;
      await pool.end().catch(() => undefined);
    },
  };
}
