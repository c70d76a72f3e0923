/**
 * @module
 * How many jobs the daemon runs at once, and which it may take next. With N slots (N ≥ 2) at most
 * N − 1 jobs of ordinary kinds run together and one slot is kept for kinds declared read-only
 * (connectivity checks, probes): a two-hour migration never holds them up. With one slot, any one
 * job at a time.
 */

/** What the daemon may claim now: any kind, only read-only kinds, or nothing (all slots busy). */
export type ClaimScope = 'any' | 'read-only' | null;

export class Slots {
  readonly #running = new Map<string, { readOnly: boolean; done: Promise<unknown> }>();
  readonly #listeners = new Set<() => void>();

  constructor(readonly size: number) {}

  get count(): number {
    return this.#running.size;
  }

  scope(): ClaimScope {
    const total = this.#running.size;
    if (total >= this.size) return null;
    const ordinary = [...this.#running.values()].filter((r) => !r.readOnly).length;
    const ordinarySlots = this.size === 1 ? 1 : this.size - 1;
    return ordinary < ordinarySlots ? 'any' : 'read-only';
  }

  /** Occupies a slot until `done` settles. */
  occupy(jobId: string, readOnly: boolean, done: Promise<unknown>): void {
    const entry = { readOnly, done };
    this.#running.set(jobId, entry);
    this.#emit();
    void done.finally(() => {
      if (this.#running.get(jobId) === entry) this.#running.delete(jobId);
      this.#emit();
    });
  }

  /** Resolves the next time a slot is taken or freed (or when `signal` aborts). */
  changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#listeners.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      if (signal?.aborted) return resolve();
      this.#listeners.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves once every running job has ended. */
  async drained(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  #emit(): void {
    for (const l of [...this.#listeners]) l();
  }
}
