/**
 * @module
 * Keeps the local Worker running under `npm start`. Two things kill it without wrangler
 * noticing or saying anything: the launcher exiting (its wrangler and workerd would live on,
 * orphaned) and a workerd process dying (wrangler keeps running; requests hang). The first is
 * the child's exit event; the second is seen by watching the group's workerd pids, confirmed by
 * the Worker no longer answering (a workerd that wrangler replaced on a reload answers). Either
 * way the whole group is stopped and a fresh `wrangler dev` started on the same port, while
 * Postgres keeps running — within a restart budget; past it the supervisor gives up and says why.
 */
import type { RestartBudget } from './restart-budget';
import type { WranglerDev } from './wrangler-dev';

export interface WorkerSupervisorOptions {
  url: string;
  spawn(): WranglerDev;
  budget: RestartBudget;
  say(msg: string): void;
  /** Every (re)started wrangler, so the caller can record its group for crash recovery. */
  onStarted(dev: WranglerDev): void;
  /** The Worker cannot be kept running; the caller stops the stack. Called at most once. */
  onGiveUp(reason: string): void;
  pollMs?: number;
  healthTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class WorkerSupervisor {
  private current: WranglerDev | null = null;
  private currentExited = false;
  private watched = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  /** Starting or restarting: failures are handled by whoever is doing that. */
  private busy = false;
  private checking = false;
  private stopping = false;
  private gaveUp = false;

  constructor(private readonly opts: WorkerSupervisorOptions) {}

  /** Starts the Worker and waits until it is healthy; throws if it does not get there. */
  async start(): Promise<void> {
    this.busy = true;
    try {
      await this.launch();
    } finally {
      this.busy = false;
    }
    this.timer = setInterval(() => void this.check(), this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Stops the Worker's whole process group; no restart follows. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current?.stop();
  }

  private async launch(): Promise<void> {
    if (this.stopping) throw new Error('stopping');
    const dev = this.opts.spawn();
    this.current = dev;
    this.currentExited = false;
    this.opts.onStarted(dev);
    void dev.exited.then(({ code, signal }) => {
      if (this.current !== dev) return;
      this.currentExited = true;
      if (!this.busy && !this.stopping) void this.failed(`wrangler exited (${signal ?? `code ${code}`})`);
    });
    await this.waitHealthy(dev);
    this.watched = new Set(dev.workerdPids());
  }

  private async waitHealthy(dev: WranglerDev): Promise<void> {
    const timeoutMs = this.opts.healthTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.stopping) throw new Error('stopping');
      if (this.current === dev && this.currentExited) throw new Error('wrangler dev exited during start-up');
      try {
        const res = await fetch(`${this.opts.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(150);
    }
    throw new Error(`the Worker did not report healthy within ${timeoutMs / 1000}s`);
  }

  /** Any answer from our own code (it sets X-Request-Id) means the Worker runs, healthy or not. */
  private async answers(): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const res = await fetch(`${this.opts.url}/healthz`, { signal: AbortSignal.timeout(5000) });
        await res.body?.cancel();
        if (res.headers.has('x-request-id')) return true;
      } catch {
        // refused or hung: try once more
      }
      await sleep(500);
    }
    return false;
  }

  private async check(): Promise<void> {
    const dev = this.current;
    if (!dev || this.busy || this.checking || this.stopping) return;
    this.checking = true;
    try {
      const now = new Set(dev.workerdPids());
      const gone = [...this.watched].filter((pid) => !now.has(pid));
      if (gone.length === 0) {
        for (const pid of now) this.watched.add(pid);
        return;
      }
      if (await this.answers()) {
        this.watched = now; // wrangler replaced a workerd itself (a reload)
        return;
      }
      if (this.current === dev && !this.busy && !this.stopping) {
        void this.failed(`workerd (pid ${gone.join(', ')}) exited and the Worker does not answer`);
      }
    } finally {
      this.checking = false;
    }
  }

  private async failed(reason: string): Promise<void> {
    if (this.busy || this.stopping || this.gaveUp) return;
    this.busy = true;
    try {
      for (;;) {
        if (!this.opts.budget.take(Date.now())) {
          this.gaveUp = true;
          this.opts.onGiveUp(`the Worker stopped (${reason}) and was already restarted ${this.opts.budget.max} time(s) — ${this.opts.budget.describe()}`);
          return;
        }
        this.opts.say(`the Worker stopped: ${reason}. Restarting it (restart ${this.opts.budget.used(Date.now())}, ${this.opts.budget.describe()}); PostgreSQL keeps running.`);
        await this.current?.stop();
        if (this.stopping) return;
        try {
          await this.launch();
          this.opts.say(`the Worker is back at ${this.opts.url}`);
          return;
        } catch (err) {
          if (this.stopping) return;
          reason = `it did not come back: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
