/**
 * @module
 * A bound on how long a caller waits for a promise. For Durable Objects that load a cache from
 * Postgres inside `blockConcurrencyWhile`: a query that hangs there holds *every* caller of the
 * object until workerd resets it (30 s) — a webhook sender or an agent would time out first. With
 * a deadline the load gives up, the object falls back to asking Postgres per call, and the hung
 * query is left to finish or fail on its own.
 */
export class DeadlineExceeded extends Error {}

/** `work`, or a DeadlineExceeded rejection once `ms` passed first (the work itself is not stopped). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => timer !== undefined && clearTimeout(timer));
}
