/**
 * @module
 * The shape of a job kind's agent-side implementation, typed from the kind declarations in
 * worker/src/contracts/job-kinds/: {@link KindImpls} has one entry per declared kind and each entry
 * one handler per declared step, so a kind or a step without an implementation is a type error
 * (`npm run typecheck`), never a runtime "unknown step".
 *
 * A step handler gets everything it may use through its {@link StepContext} and nothing else: its
 * params (parsed by the kind's schema), the outputs of the job's earlier steps (from this run, or
 * from the claim when the job was resumed), the job log, a progress callback, the job's abort
 * signal, dry-run, the executor config and the policy.
 */
import type { JobKindName, JobParams, JobStepId } from '../../../worker/src/contracts/job-kinds';
import type { ExecContext } from '../executors/types';
import type { Policy } from '../policy';

/** What a step reports while it works; rate and ETA are computed for it when left out. */
export interface StepProgress {
  done: number;
  total?: number;
  unit: 'bytes' | 'files' | 'items' | 'percent';
  /** Units per second. */
  rate?: number;
  etaSeconds?: number;
  /** What is happening, e.g. "copying Library/Metadata". */
  message?: string;
}

/** Outputs of the job's steps that already succeeded, by step id. */
export type EarlierOutputs = Readonly<Partial<Record<string, Readonly<Record<string, unknown>>>>>;

export interface StepContext<P> extends ExecContext {
  params: P;
  /** Outputs of earlier steps of this job (this run's, or carried by the claim on a resume). */
  outputs: EarlierOutputs;
  /**
   * The job's cancellation signal. An uninterruptible step gets one that never aborts: it runs
   * to its end whatever happens, and the job stops after it.
   */
  signal: AbortSignal;
  /** Reports progress; cheap to call often (the latest value wins, sends are rate-limited). */
  progress(p: StepProgress): void;
  policy: Policy;
  stepIndex: number;
}

export interface StepOutcome {
  outputs?: Record<string, unknown>;
}

export type StepHandler<P> = (ctx: StepContext<P>) => Promise<StepOutcome>;

/** One kind's implementation: a handler for every step id its declaration lists, and no other. */
export interface KindImpl<K extends JobKindName> {
  readonly steps: { readonly [S in JobStepId<K>]: StepHandler<JobParams<K>> };
}

/** The agent's table of implementations: exactly one per declared kind. */
export type KindImpls = { readonly [K in JobKindName]: KindImpl<K> };

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
