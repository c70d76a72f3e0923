/** @module The shape of a job kind's agent-side implementation. */
import type { Policy } from '../policy';
import type { ExecContext } from '../executors/types';

export interface StepContext<P> extends ExecContext {
  params: P;
  policy: Policy;
  stepIndex: number;
}

export interface StepOutcome {
  outputs?: Record<string, unknown>;
}

/** Thrown by a step to fail it with a clear message (no stack trace in the job log). */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    message: string,
    readonly code = 'STEP_FAILED',
    readonly outputs?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface KindImpl<P> {
  /** Policy violations for the whole job (checked before the first step). */
  preflight(params: P, policy: Policy): string[];
  /** Step handlers by step id, in the kind's step order. */
  steps: Record<string, (ctx: StepContext<P>) => Promise<StepOutcome>>;
}
