/**
 * @module
 * How often `npm start` may restart the Worker before it gives up. A Worker that dies once
 * (a killed workerd, an out-of-memory kill) is worth restarting while Postgres keeps running;
 * one that dies again and again at once has a cause a restart will not fix, and restarting it
 * forever would hide that behind scrolling logs. So: at most `max` restarts in any `windowMs`.
 */
export class RestartBudget {
  private readonly times: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(max) || max < 0) throw new Error(`max restarts must be a whole number ≥ 0, got ${max}`);
  }

  /** Restarts counted in the window ending at `now`. */
  used(now: number): number {
    while (this.times.length && this.times[0]! <= now - this.windowMs) this.times.shift();
    return this.times.length;
  }

  /** Records a restart at `now`, or returns false when that would exceed the budget. */
  take(now: number): boolean {
    if (this.used(now) >= this.max) return false;
    this.times.push(now);
    return true;
  }

  describe(): string {
    return `at most ${this.max} per ${Math.round(this.windowMs / 1000)} s`;
  }
}

/** `PLEXOPS_WORKER_RESTARTS=<max>/<seconds>`, default 3 per 60 s; 0 turns restarts off (exit instead). */
export function restartBudgetFromEnv(raw = process.env.PLEXOPS_WORKER_RESTARTS): RestartBudget {
  if (!raw) return new RestartBudget(3, 60_000);
  const m = /^(\d{1,3})\/(\d{1,5})$/.exec(raw.trim());
  if (!m) throw new Error(`PLEXOPS_WORKER_RESTARTS must look like "3/60" (restarts per seconds), got "${raw}"`);
  return new RestartBudget(Number(m[1]), Number(m[2]) * 1000);
}
