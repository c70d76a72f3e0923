/**
 * @module
 * The one cancellation source of a job: a single AbortController whose reason says why the job
 * must stop — the operator `cancelled` it, the agent is stopping (`agent-stopping`, the second
 * signal), or the lease was lost (`lease-lost`: another claim may already be running it). Every
 * part of the session (heartbeat, log upload, handshakes, the running step and its processes)
 * listens to this signal and nothing else; the first reason given wins.
 */

export type StopReason = 'cancelled' | 'agent-stopping' | 'lease-lost';

/** The abort reason carried by the job signal. */
export class JobStopped extends Error {
  override name = 'JobStopped';
  constructor(
    readonly reason: StopReason,
    readonly detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

export class JobCancellation {
  readonly #ctl = new AbortController();

  get signal(): AbortSignal {
    return this.#ctl.signal;
  }

  /** Why the job stopped, or undefined while it runs. */
  get reason(): StopReason | undefined {
    return stopReasonOf(this.#ctl.signal);
  }

  get stopped(): JobStopped | undefined {
    return this.#ctl.signal.aborted ? (this.#ctl.signal.reason as JobStopped) : undefined;
  }

  /** Stops the job; later calls keep the first reason. */
  stop(reason: StopReason, detail?: string): void {
    if (!this.#ctl.signal.aborted) this.#ctl.abort(new JobStopped(reason, detail));
  }
}

export function stopReasonOf(signal: AbortSignal | undefined): StopReason | undefined {
  if (!signal?.aborted) return undefined;
  return signal.reason instanceof JobStopped ? signal.reason.reason : 'cancelled';
}
