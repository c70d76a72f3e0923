/**
 * @module
 * An isolated, migrated database per test file (a clone of the template), reached through
 * the production driver (Neon over the WebSocket proxy). `drop()` removes it.
 */
import pg from 'pg';
import ws from 'ws';
import { neonConfig } from '@neondatabase/serverless';
import { createDb, type DbHandle } from '../../src/db/client';
import { newId } from '../../src/lib/crypto';
import { pgUrl, TEMPLATE_DB, wsProxyAddress } from './test-env';

neonConfig.webSocketConstructor = ws as unknown as typeof WebSocket;

export interface TestDb extends DbHandle {
  name: string;
  url: string;
  /** A plain node-postgres client for assertions that must not go through our code. */
  raw: pg.Client;
  drop(): Promise<void>;
}

async function createClone(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: pgUrl('postgres') });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DB}"`);
        return;
      } catch (err) {
        // Two clones started at the same instant can collide on the template's lock.
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
}

export async function createTestDb(): Promise<TestDb> {
  const name = `t_${newId('db').slice(3).toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
  await createClone(name);
  const url = pgUrl(name);
  const handle = createDb({ url, wsProxy: wsProxyAddress(), webSocketConstructor: ws });
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  return {
    ...handle,
    name,
    url,
    raw,
    drop: async () => {
      await handle.end();
      await raw.end();
      const admin = new pg.Client({ connectionString: pgUrl('postgres') });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
    },
  };
}
