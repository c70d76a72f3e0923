/**
 * @module
 * Refusals per source address, counted in memory (a Durable Object's, or the isolate's where
 * there is none): the point is to stop a scanner without a Postgres query per attempt, so the
 * counter must not live in Postgres. Fixed one-minute windows per address; an address past its
 * budget is refused until its window ends. The map is bounded: past MAX_ADDRESSES the oldest
 * windows are dropped (a flood of distinct addresses costs memory, not correctness for the rest).
 *
 * What holds: inside one Durable Object instance the count is exact across every isolate and
 * colo that calls it. It is memory, not storage: when the object is evicted (idle) or restarted
 * the counts start again — a budget per address per minute *while the object lives*.
 */
export const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;

export interface LimitVerdict {
  allowed: boolean;
  /** Seconds until the address's window ends (≥ 1), for Retry-After. */
  retryAfterSeconds: number;
}

export class AddressLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `address` is still under its budget (does not count). */
  check(address: string): LimitVerdict {
    const w = this.current(address);
    return this.verdict(w, (w?.count ?? 0) < this.perMinute);
  }

  /** Counts one refusal for `address`; says whether it was still within the budget. */
  hit(address: string): LimitVerdict {
    const t = this.now();
    let w = this.current(address);
    if (!w) {
      if (this.windows.size >= MAX_ADDRESSES) this.prune(t);
      w = { start: t, count: 0 };
      this.windows.set(address, w);
    }
    w.count++;
    return this.verdict(w, w.count <= this.perMinute);
  }

  private current(address: string): { start: number; count: number } | undefined {
    const w = this.windows.get(address);
    if (w && this.now() - w.start >= WINDOW_MS) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private verdict(w: { start: number } | undefined, allowed: boolean): LimitVerdict {
    const left = w ? w.start + WINDOW_MS - this.now() : WINDOW_MS;
    return { allowed, retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)) };
  }

  private prune(t: number): void {
    for (const [a, w] of this.windows) if (t - w.start >= WINDOW_MS) this.windows.delete(a);
    // Still full: drop the oldest tenth (Map keeps insertion order), so this scan is rare.
    for (const a of this.windows.keys()) {
      if (this.windows.size < MAX_ADDRESSES * 0.9) break;
      this.windows.delete(a);
    }
  }
}

/** The client address as Cloudflare's edge reports it; one shared bucket when there is none. */
export function sourceAddress(headers: { get(name: string): string | null }): string {
  return headers.get('cf-connecting-ip')?.slice(0, 64) ?? 'unknown';
}
