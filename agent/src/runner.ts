/**
 * @module
 * Runs one job's steps in order, the same way for the daemon (hooks talk to the worker) and for
 * `exec` (hooks are local). Before the first step the whole job is validated: known kind, params
 * parse, every target allowed by the local policy — a violation fails the job at its first step
 * without touching anything.
 *
 * Cancellation has exactly one path: the job's AbortSignal. Between steps it stops the job;
 * inside an interruptible step the executors SIGTERM their process group (then SIGKILL after
 * the grace); an uninterruptible step never sees the signal and finishes first. A graceful stop
 * (`shouldStop()`, the first SIGINT/SIGTERM) lets the current step finish and then returns
 * `stopped`, leaving the job resumable.
 */
import { getJobKind, type JobKindDef, type JobStepDef } from '../../worker/src/contracts/job-kinds';
import type { ExecutorConfig } from './executors/types';
import { KIND_IMPLS } from './kinds/index';
import { StepFailure, type KindImpl } from './kinds/types';
import type { JobLog } from './logs/job-log';
import type { Policy } from './policy';
import { AgentApiError, LeaseLostError } from './client';

export type StartDecision = 'ok' | 'awaiting_approval' | 'cancelled';

export interface StepFinish {
  status: 'succeeded' | 'failed';
  outputs?: Record<string, unknown>;
  error?: { message: string; code?: string };
}

export interface JobHooks {
  stepStart(index: number): Promise<StartDecision>;
  stepFinish(index: number, result: StepFinish): Promise<void>;
  /** Which step is running now (undefined between steps); feeds heartbeat progress. */
  onStep?(index: number | undefined, step: JobStepDef | undefined): void;
}

export interface JobInput {
  id: string;
  kind: string;
  params: unknown;
  /** Step indexes that already succeeded (resume): skipped. */
  done?: ReadonlySet<number>;
}

export type JobOutcome =
  | { type: 'finished'; status: 'succeeded' | 'failed' | 'cancelled'; error?: { message: string; code?: string } }
  | { type: 'awaiting_approval'; stepIndex: number }
  | { type: 'stopped'; nextStep: number };

export interface RunJobOptions {
  config: ExecutorConfig;
  policy: Policy;
  log: JobLog;
  hooks: JobHooks;
  signal: AbortSignal;
  shouldStop?: () => boolean;
  dryRun?: boolean;
  onSpawn?: (pid: number) => void;
}

const isProtocolFatal = (err: unknown) => err instanceof LeaseLostError || (err instanceof AgentApiError && err.status === 401);

function validate(job: JobInput, policy: Policy): { def: JobKindDef; impl: KindImpl<unknown>; params: unknown } | { error: string; code: string } {
  const def = getJobKind(job.kind);
  const impl = KIND_IMPLS[job.kind] as KindImpl<unknown> | undefined;
  if (!def || !impl) return { error: `this agent cannot run job kind "${job.kind}"`, code: 'UNKNOWN_KIND' };
  const parsed = def.params.safeParse(job.params);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['params', ...i.path.map(String)].join('.')}: ${i.message}`);
    return { error: `invalid params: ${issues.join('; ')}`, code: 'INVALID_PARAMS' };
  }
  const violations = impl.preflight(parsed.data, policy);
  if (violations.length > 0) return { error: `refused by the agent policy: ${violations.join('; ')}`, code: 'POLICY_DENIED' };
  return { def, impl, params: parsed.data };
}

export async function runJob(job: JobInput, o: RunJobOptions): Promise<JobOutcome> {
  const { log, hooks, signal } = o;
  const done = job.done ?? new Set<number>();
  const v = validate(job, o.policy);

  if ('error' in v) {
    // Fail at the first pending step, before anything is touched.
    const def = getJobKind(job.kind);
    const first = def ? def.steps.findIndex((_, i) => !done.has(i)) : 0;
    const index = Math.max(0, first);
    log.setStep(index);
    log.line(`job ${job.id} refused: ${v.error}`);
    const decision = await hooks.stepStart(index);
    if (decision === 'awaiting_approval') return { type: 'awaiting_approval', stepIndex: index };
    if (decision === 'cancelled') return { type: 'finished', status: 'cancelled' };
    const error = { message: v.error, code: v.code };
    await hooks.stepFinish(index, { status: 'failed', error });
    return { type: 'finished', status: 'failed', error };
  }

  const { def, impl, params } = v;
  for (let i = 0; i < def.steps.length; i++) {
    const step = def.steps[i] as JobStepDef;
    if (done.has(i)) continue;
    if (signal.aborted) return { type: 'finished', status: 'cancelled' };
    if (o.shouldStop?.()) return { type: 'stopped', nextStep: i };

    const decision = await hooks.stepStart(i);
    if (decision === 'awaiting_approval') {
      log.line(`step ${i + 1}/${def.steps.length} ${step.id}: waiting for approval`);
      return { type: 'awaiting_approval', stepIndex: i };
    }
    if (decision === 'cancelled') return { type: 'finished', status: 'cancelled' };

    log.setStep(i);
    hooks.onStep?.(i, step);
    log.line(`--- step ${i + 1}/${def.steps.length} ${step.id}: ${step.title}${step.uninterruptible ? ' (uninterruptible)' : ''}`);
    const handler = impl.steps[step.id];
    let result: StepFinish;
    try {
      if (!handler) throw new StepFailure(`this agent has no implementation for step "${step.id}"`, 'UNKNOWN_STEP');
      const out = await handler({
        config: o.config,
        log,
        dryRun: o.dryRun ?? false,
        params,
        policy: o.policy,
        stepIndex: i,
        ...(step.uninterruptible ? {} : { signal }),
        ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}),
      });
      result = { status: 'succeeded', ...(out.outputs ? { outputs: out.outputs } : {}) };
    } catch (err) {
      if (isProtocolFatal(err)) throw err;
      const message = err instanceof StepFailure ? err.message : `internal error: ${(err as Error).message}`;
      const code = err instanceof StepFailure ? err.code : 'INTERNAL';
      result = {
        status: 'failed',
        error: { message, code },
        ...(err instanceof StepFailure && err.outputs ? { outputs: err.outputs } : {}),
      };
    }
    hooks.onStep?.(undefined, undefined);

    if (signal.aborted && !step.uninterruptible) {
      log.line(`step ${step.id} cancelled`);
      return { type: 'finished', status: 'cancelled' };
    }
    if (result.status === 'failed') log.line(`step ${step.id} failed: ${result.error?.message}`);
    else log.line(`step ${step.id} ${o.dryRun ? 'done (dry run)' : 'succeeded'}`);
    await hooks.stepFinish(i, result);
    if (result.status === 'failed') return { type: 'finished', status: 'failed', ...(result.error ? { error: result.error } : {}) };
    if (signal.aborted) return { type: 'finished', status: 'cancelled' };
  }
  log.setStep(undefined);
  return { type: 'finished', status: 'succeeded' };
}
