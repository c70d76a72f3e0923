/**
 * @module
 * Loading a Durable Object's cache from Postgres while every caller of the object waits
 * (`blockConcurrencyWhile`) — the hub's agent tokens, the webhook gate's secrets. One shape for
 * both: a fresh DB handle per load; a deadline, because a query that hangs there holds *every*
 * caller until workerd resets the object (30 s), and a webhook sender or an agent would time out
 * first; and after a failure no new attempt for a while (callers are checked in Postgres one by
 * one meanwhile). The hung query itself is left to finish or fail on its own.
 */
import { openDb, type Db } from '../db/client';
import { createLogger } from './logger';

export class DeadlineExceeded extends Error {}

/** `work`, or a DeadlineExceeded rejection once `ms` passed first (the work itself is not stopped). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => timer !== undefined && clearTimeout(timer));
}

export class CacheLoad {
  #failedAt = 0;

  constructor(private readonly o: { what: string; task: string; deadlineMs?: number; retryMs?: number }) {}

  /** False for a while after a failed load. */
  get due(): boolean {
    return Date.now() - this.#failedAt >= (this.o.retryMs ?? 5_000);
  }

  /** What `query` read, or undefined when it failed or missed the deadline (logged). */
  async run<T>(cfg: { DATABASE_URL: string; DB_WS_PROXY?: string | undefined }, query: (db: Db) => Promise<T>): Promise<T | undefined> {
    const handle = openDb(cfg);
    try {
      return await withDeadline(query(handle.db), this.o.deadlineMs ?? 5_000, `loading ${this.o.what}`);
    } catch (err) {
      this.#failedAt = Date.now();
      createLogger({ task: this.o.task }).warn(`could not load ${this.o.what}; checking them in Postgres meanwhile`, { error: String(err) });
      return undefined;
    } finally {
      // Not awaited: after a deadline the hung query still holds the pool, and ending it would wait for it.
      void handle.end();
    }
  }
}
