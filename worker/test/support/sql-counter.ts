/**
 * @module
 * Counts SQL statements a database has executed, from pg_stat_statements (preloaded by the
 * global setup). It reads from the `postgres` database, filtered by the target's oid, so
 * the counting queries themselves are never counted.
 */
import pg from 'pg';
import { pgUrl } from './test-env';

export interface SqlCounter {
  /** Statements (calls, utility statements included) executed so far in the database. */
  count(): Promise<number>;
  close(): Promise<void>;
}

export async function createSqlCounter(database: string): Promise<SqlCounter> {
  const client = new pg.Client({ connectionString: pgUrl('postgres') });
  await client.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      break;
    } catch (err) {
      // Two test files creating it at once race on the catalog; the loser just retries.
      if (attempt > 10) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    async count() {
      const r = await client.query<{ n: string }>(
        `SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)`,
        [database],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    close: () => client.end(),
  };
}
