/**
 * @module
 * Retries a worker call on transient failures until it succeeds or `signal` aborts (the job's
 * cancellation wins over any retry loop). A worker that answers the same request with HTTP 500
 * again and again is not having a bad moment: the request itself is what it cannot handle, so
 * after a few identical answers the call gives up with {@link RepeatedServerError} instead of
 * holding the job forever. Network errors, 502/503/504 and 429 keep being retried: those are
 * outages, and the work is safe on disk meanwhile.
 */
import { Backoff, sleep } from './backoff';
import { AgentApiError, TransientError } from './client';
import type { Logger } from './logger';

export class Aborted extends Error {
  override name = 'Aborted';
}

/** The worker kept answering 500 to the same request. */
export class RepeatedServerError extends AgentApiError {
  override name = 'RepeatedServerError';
}

/** Identical 500 answers after which a call gives up. */
export const MAX_REPEATED_SERVER_ERRORS = 5;

export async function withRetry<T>(what: string, fn: () => Promise<T>, o: { backoff: Backoff; signal?: AbortSignal; logger?: Logger }): Promise<T> {
  let serverErrors = 0;
  for (;;) {
    if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Aborted(what);
    try {
      const r = await fn();
      o.backoff.reset();
      return r;
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      serverErrors = err.status === 500 ? serverErrors + 1 : 0;
      if (serverErrors >= MAX_REPEATED_SERVER_ERRORS)
        throw new RepeatedServerError(`the worker answered HTTP 500 ${serverErrors} times in a row to the same request (${err.code}: ${err.message})`, 500, err.code);
      const d = o.backoff.next();
      o.logger?.warn(`${what}: ${err.message}; retrying in ${d} ms`);
      await sleep(d, o.signal);
    }
  }
}
