/** @module Retries a worker call on transient failures until it succeeds or `signal` aborts. */
import { Backoff, sleep } from './backoff';
import { TransientError } from './client';
import type { Logger } from './logger';

export class Aborted extends Error {
  override name = 'Aborted';
}

export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  o: { backoff: Backoff; signal?: AbortSignal; logger?: Logger },
): Promise<T> {
  for (;;) {
    if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Aborted(what);
    try {
      const r = await fn();
      o.backoff.reset();
      return r;
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      const d = o.backoff.next();
      o.logger?.warn(`${what}: ${err.message}; retrying in ${d} ms`);
      await sleep(d, o.signal);
    }
  }
}
