/**
 * @module
 * The job's heartbeat: a long-poll the worker holds until cancel is requested (or an approval
 * lands) or the wait runs out, renewing the lease each time it arrives — so cancel reaches the
 * agent within moments without polling. It also carries the running step's progress: while
 * progress moves, heartbeats go out at most every `progressIntervalMs` with the latest value
 * (earlier values are simply overwritten), so a transfer shows live figures in the admin at a
 * bounded cost — one lease renewal per interval, the SQL the heartbeat does anyway. When
 * progress first starts moving, the long wait in flight is cut short so the first figures do
 * not wait for it.
 */
import { LEASE_TTL_MS, MAX_WAIT_MS, type Progress } from '../../../worker/src/contracts/agent-protocol';
import { linkSignals } from '../abort';
import { Backoff, sleep } from '../backoff';
import { FatalAgentError, LeaseLostError, type AgentApiError, type AgentClient } from '../client';
import type { Logger } from '../logger';
import type { JobCancellation } from './cancellation';

export interface HeartbeatOptions {
  client: AgentClient;
  jobId: string;
  leaseToken: string;
  leaseExpiresAt: string;
  /** The long wait when nothing moves (the agent's heartbeat setting). */
  heartbeatMs: number;
  /** Shortest time between two progress-carrying heartbeats. */
  progressIntervalMs: number;
  backoff: Backoff;
  cancellation: JobCancellation;
  logger: Logger;
  /** The lease is gone or the agent was revoked. */
  onLost(err: AgentApiError): void;
}

export class Heartbeat {
  #progress: Progress = {};
  #progressAt = 0;
  #sentAt = 0;
  #inflight: { ctl: AbortController; waitMs: number } | undefined;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #waitMs: number;
  readonly #ttlMs: number;

  constructor(private readonly o: HeartbeatOptions) {
    // The lease is renewed when each request arrives, so the wait stays well under the TTL.
    this.#ttlMs = Math.max(1000, Date.parse(o.leaseExpiresAt) - Date.now() || LEASE_TTL_MS);
    this.#waitMs = Math.max(0, Math.min(o.heartbeatMs, MAX_WAIT_MS, Math.floor(this.#ttlMs / 3)));
  }

  /**
   * The latest progress (replaces any value not yet sent). `moving: false` (a new step started,
   * nothing measured yet) rides on the next heartbeat without hurrying it.
   */
  setProgress(p: Progress, moving = true): void {
    this.#progress = p;
    if (!moving) return;
    const now = Date.now();
    const wasQuiet = now - this.#progressAt > 2 * this.o.progressIntervalMs;
    this.#progressAt = now;
    const inflight = this.#inflight;
    if (wasQuiet && inflight && inflight.waitMs > this.o.progressIntervalMs && now - this.#sentAt >= this.o.progressIntervalMs) inflight.ctl.abort();
  }

  start(): this {
    this.#loop ??= this.#run();
    return this;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { client, cancellation, logger } = this.o;
    while (!this.#stop.signal.aborted) {
      const moving = Date.now() - this.#progressAt < 2 * this.o.progressIntervalMs;
      const waitMs = moving ? Math.min(this.#waitMs, this.o.progressIntervalMs) : this.#waitMs;
      const ctl = new AbortController();
      const link = linkSignals(this.#stop.signal, ctl.signal);
      this.#inflight = { ctl, waitMs };
      this.#sentAt = Date.now();
      try {
        const r = await client.heartbeat(this.o.jobId, { leaseToken: this.o.leaseToken, progress: this.#progress, waitMs }, link.signal);
        this.o.backoff.reset();
        if (r.cancelRequested && !cancellation.signal.aborted) {
          logger.info(`job ${this.o.jobId}: cancel requested by the worker`);
          cancellation.stop('cancelled');
        }
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        if (ctl.signal.aborted) continue; // cut short to send fresh progress
        if (err instanceof LeaseLostError || err instanceof FatalAgentError) return this.o.onLost(err);
        const ms = this.o.backoff.next();
        logger.warn(`heartbeat ${this.o.jobId}: ${(err as Error).message}; retrying in ${ms} ms`);
        await sleep(Math.min(ms, Math.floor(this.#ttlMs / 4)), this.#stop.signal);
      } finally {
        link.dispose();
        this.#inflight = undefined;
      }
    }
  }
}
