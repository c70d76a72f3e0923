/**
 * @module
 * What the agent benchmark runs on: a throwaway embedded Postgres with pg_stat_statements, the
 * WebSocket proxy, migrated databases, the real Worker in workerd (one per timing profile) and
 * a counting HTTP proxy in front of it, so agent requests are counted whatever agent is used.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startLocalPostgres } from '../dev/postgres';
import { startWsProxy } from '../dev/ws-proxy';
import { applyMigrations, ensureDatabase } from '../dev/migrate';
import { freePort } from '../dev/ports';
import { startWorkerdServer, type WorkerdServer } from '../test/support/workerd-server';

export interface BenchEnv {
  pgUrl(db: string): string;
  wsProxy: string;
  createDatabase(name: string): Promise<string>;
  /** Statements executed so far in `db` (pg_stat_statements, read from another database). */
  sqlCount(db: string): Promise<number>;
  /** The most-called statements in `db`, to explain a non-zero count. */
  sqlTop(db: string): Promise<{ calls: number; query: string }[]>;
  startWorker(db: string, vars: Record<string, string>): Promise<WorkerdServer>;
  close(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const root = mkdtempSync(path.join(tmpdir(), 'plexops-bench-'));
  chmodSync(root, 0o755);
  const port = await freePort();
  const pgServer = await startLocalPostgres({ dataDir: path.join(root, 'data'), port, ephemeral: true, settings: { shared_preload_libraries: 'pg_stat_statements' } });
  const proxy = await startWsProxy({ allow: [`127.0.0.1:${port}`] });
  const stats = new pg.Client({ connectionString: pgServer.urlFor('postgres') });
  await stats.connect();
  await stats.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await ensureDatabase(pgServer.urlFor('postgres'), 'bench_template');
  await applyMigrations(pgServer.urlFor('bench_template'));
  const workers: WorkerdServer[] = [];
  return {
    pgUrl: (db) => pgServer.urlFor(db),
    wsProxy: proxy.address,
    async createDatabase(name) {
      await ensureDatabase(pgServer.urlFor('postgres'), name, 'bench_template');
      return pgServer.urlFor(name);
    },
    async sqlCount(db) {
      const r = await stats.query<{ n: string }>(
        'SELECT coalesce(sum(calls),0)::bigint AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)',
        [db],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    async sqlTop(db) {
      const r = await stats.query<{ calls: string; query: string }>(
        'SELECT calls, left(regexp_replace(query, \'\\s+\', \' \', \'g\'), 120) AS query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) ORDER BY calls DESC LIMIT 8',
        [db],
      );
      return r.rows.map((x) => ({ calls: Number(x.calls), query: x.query }));
    },
    async startWorker(db, vars) {
      const w = await startWorkerdServer({ DATABASE_URL: pgServer.urlFor(db), DB_WS_PROXY: proxy.address, ENVIRONMENT: 'test', ...vars });
      workers.push(w);
      return w;
    },
    async close() {
      for (const w of workers) await w.dispose().catch(() => undefined);
      await stats.end().catch(() => undefined);
      await proxy.close();
      await pgServer.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface CountingProxy {
  url: string;
  /** Requests seen under /agent/v1, by path template (job ids folded). */
  counts: Map<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

/** A loopback HTTP proxy that forwards everything to `target` and counts agent requests. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '').split('?')[0] ?? '';
    if (p.startsWith('/agent/v1/')) {
      const key = p.replace(/\/jobs\/[^/]+/, '/jobs/:id').replace(/\/steps\/\d+/, '/steps/:n');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
