/**
 * @module
 * Runs one job's steps in order, the same way for the daemon (hooks talk to the worker) and for
 * `exec` (hooks are local). Before the first step the whole job is validated: a kind this agent
 * implements, params that parse, and every target the kind's declaration derives from them
 * allowed by the local policy — a violation fails the job at its first step without touching
 * anything.
 *
 * Cancellation has exactly one path: the job's signal (session/cancellation.ts), whose reason
 * decides the outcome — `cancelled` finishes the job as cancelled, `agent-stopping` hands it back
 * (`stopped`), `lease-lost` drops it. Between steps the signal stops the job; inside an
 * interruptible step the executors SIGTERM their process group (then SIGKILL after the grace); an
 * uninterruptible step never sees the signal and finishes first. A graceful stop (`shouldStop()`,
 * the first SIGINT/SIGTERM) lets the current step finish and then returns `stopped`.
 */
import { getJobKind, type JobKindDef, type JobStepDef } from '../../worker/src/contracts/job-kinds';
import type { ExecutorConfig } from './executors/types';
import { hasKindImpl, stepHandler } from './kinds/index';
import { StepFailure, type EarlierOutputs, type StepProgress } from './kinds/types';
import type { JobLog } from './logs/job-log';
import { printableJson } from './logs/printable';
import { targetViolations, type Policy } from './policy';
import { stopReasonOf } from './session/cancellation';

export type StartDecision = 'ok' | 'awaiting_approval' | 'cancelled';

export interface StepFinish {
  status: 'succeeded' | 'failed';
  outputs?: Record<string, unknown>;
  error?: { message: string; code?: string };
}

export interface JobHooks {
  stepStart(index: number): Promise<StartDecision>;
  /** Reports a step's result; may answer with the result actually recorded (e.g. failed, when the worker could not take it). */
  stepFinish(index: number, result: StepFinish): Promise<StepFinish | void>;
  /** Which step is running now (undefined between steps). */
  onStep?(index: number | undefined, step: JobStepDef | undefined): void;
  /** The running step reported progress. */
  onProgress?(index: number, progress: StepProgress): void;
}

export interface JobInput {
  id: string;
  kind: string;
  params: unknown;
  /** Step indexes that already succeeded (resume): skipped. */
  done?: ReadonlySet<number>;
  /** Outputs of steps that already succeeded, by step id (the claim carries them). */
  outputs?: EarlierOutputs;
}

export type JobOutcome =
  | { type: 'finished'; status: 'succeeded' | 'failed' | 'cancelled'; error?: { message: string; code?: string } }
  | { type: 'awaiting_approval'; stepIndex: number }
  /** Graceful stop between steps, or the agent stopping mid-step: the job goes back to the queue. */
  | { type: 'stopped'; nextStep: number }
  /** The lease was lost: someone else may be running the job; touch nothing more. */
  | { type: 'lease-lost' };

export interface RunJobOptions {
  config: ExecutorConfig;
  policy: Policy;
  log: JobLog;
  hooks: JobHooks;
  /** The job's one cancellation signal. */
  signal: AbortSignal;
  shouldStop?: () => boolean;
  dryRun?: boolean;
  onSpawn?: (pid: number) => void;
}

type Validated = { def: JobKindDef; params: unknown } | { def: JobKindDef | undefined; error: string; code: string };

function validate(job: JobInput, policy: Policy): Validated {
  const def = getJobKind(job.kind);
  if (!def || !hasKindImpl(job.kind)) return { def, error: `this agent cannot run job kind "${job.kind}"`, code: 'UNKNOWN_KIND' };
  const parsed = def.params.safeParse(job.params);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['params', ...i.path.map(String)].join('.')}: ${i.message}`);
    return { def, error: `invalid params: ${issues.join('; ')}`, code: 'INVALID_PARAMS' };
  }
  const violations = targetViolations(policy, def.targets(parsed.data));
  if (violations.length > 0) return { def, error: `refused by the agent policy: ${violations.join('; ')}`, code: 'POLICY_DENIED' };
  return { def, params: parsed.data };
}

/** What the job's signal says the outcome is, once it aborted. */
function interrupted(signal: AbortSignal, nextStep: number): JobOutcome {
  const reason = stopReasonOf(signal);
  if (reason === 'lease-lost') return { type: 'lease-lost' };
  if (reason === 'agent-stopping') return { type: 'stopped', nextStep };
  return { type: 'finished', status: 'cancelled' };
}

/** Fails the job at its first pending step, before anything is touched. */
async function refuse(job: JobInput, v: Extract<Validated, { error: string }>, o: RunJobOptions): Promise<JobOutcome> {
  const done = job.done ?? new Set<number>();
  const index = Math.max(0, v.def ? v.def.steps.findIndex((_, i) => !done.has(i)) : 0);
  o.log.setStep(index);
  o.log.line(`job ${job.id} refused: ${v.error}`);
  const decision = await o.hooks.stepStart(index);
  if (decision === 'awaiting_approval') return { type: 'awaiting_approval', stepIndex: index };
  if (decision === 'cancelled') return { type: 'finished', status: 'cancelled' };
  const error = { message: v.error, code: v.code };
  await o.hooks.stepFinish(index, { status: 'failed', error });
  return { type: 'finished', status: 'failed', error };
}

async function runStep(job: JobInput, def: JobKindDef, params: unknown, i: number, outputs: EarlierOutputs, o: RunJobOptions): Promise<StepFinish> {
  const step = def.steps[i] as JobStepDef;
  const handler = stepHandler(job.kind, step.id);
  try {
    // The table is typed from the declarations, so this only guards a build mixing versions.
    if (!handler) throw new StepFailure(`this agent has no implementation for step "${step.id}"`, 'UNKNOWN_STEP');
    const out = await handler({
      config: o.config,
      log: o.log,
      dryRun: o.dryRun ?? false,
      params,
      outputs,
      policy: o.policy,
      stepIndex: i,
      signal: step.uninterruptible ? new AbortController().signal : o.signal,
      progress: (p) => o.hooks.onProgress?.(i, p),
      ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}),
    });
    return { status: 'succeeded', ...(out.outputs ? { outputs: printableJson(out.outputs) } : {}) };
  } catch (err) {
    const failure = err instanceof StepFailure ? err : undefined;
    return {
      status: 'failed',
      error: { message: failure ? failure.message : `internal error: ${(err as Error).message}`, code: failure ? failure.code : 'INTERNAL' },
      ...(failure?.outputs ? { outputs: printableJson(failure.outputs) } : {}),
    };
  }
}

export async function runJob(job: JobInput, o: RunJobOptions): Promise<JobOutcome> {
  const { log, hooks, signal } = o;
  const done = job.done ?? new Set<number>();
  const v = validate(job, o.policy);
  if ('error' in v) return refuse(job, v, o);

  const { def, params } = v;
  const outputs: Record<string, Readonly<Record<string, unknown>>> = { ...(job.outputs as Record<string, Readonly<Record<string, unknown>>>) };
  if (o.dryRun && done.size === 0) log.line(`dry run of ${job.kind}: every command and call is printed, none is run`);
  for (let i = 0; i < def.steps.length; i++) {
    const step = def.steps[i] as JobStepDef;
    if (done.has(i)) continue;
    if (signal.aborted) return interrupted(signal, i);
    if (o.shouldStop?.()) return { type: 'stopped', nextStep: i };

    const decision = await hooks.stepStart(i);
    if (decision === 'awaiting_approval') {
      log.line(`step ${i + 1}/${def.steps.length} ${step.id}: waiting for approval`);
      return { type: 'awaiting_approval', stepIndex: i };
    }
    if (decision === 'cancelled') return { type: 'finished', status: 'cancelled' };

    log.setStep(i);
    hooks.onStep?.(i, step);
    const gate = o.dryRun && def.stepNeedsApproval(i, params) ? ' (a real run waits for approval here)' : '';
    log.line(`--- step ${i + 1}/${def.steps.length} ${step.id}: ${step.title}${step.uninterruptible ? ' (uninterruptible)' : ''}${gate}`);
    const result = await runStep(job, def, params, i, outputs, o);
    hooks.onStep?.(undefined, undefined);

    if (signal.aborted && !step.uninterruptible) {
      const outcome = interrupted(signal, i);
      if (outcome.type === 'finished') log.line(`step ${step.id} cancelled`);
      return outcome;
    }
    if (result.status === 'failed') log.line(`step ${step.id} failed: ${result.error?.message}`);
    else log.line(`step ${step.id} ${o.dryRun ? 'done (dry run)' : 'succeeded'}`);
    const recorded = (await hooks.stepFinish(i, result)) ?? result;
    if (recorded.status === 'failed') return { type: 'finished', status: 'failed', ...(recorded.error ? { error: recorded.error } : {}) };
    if (recorded.outputs) outputs[step.id] = recorded.outputs;
    if (signal.aborted) return interrupted(signal, i + 1);
  }
  log.setStep(undefined);
  return { type: 'finished', status: 'succeeded' };
}
