/**
 * @module kube-sim/timers
 * setTimeout bookkeeping so that close() can cancel every pending simulated delay (pod start, graceful
 * termination, namespace cleanup) and no timer outlives the simulator.
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  after(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.pending.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
