/**
 * @module
 * The runner's hooks when the worker is in charge: every step start and finish is a request
 * fenced by the lease (retried on transient failures, bounded by the job's cancellation), the
 * claim's state is saved after each transition (so a restarted daemon knows what finished and
 * what was running), and the running step's progress goes to the heartbeat.
 *
 * A step result the worker cannot take — refused outright, or answered with the same HTTP 500
 * again and again — is not retried forever while the lease is held: the step is reported failed
 * once more, without its outputs, with a message saying why; if even that is refused, the error
 * goes up and the session drops the job (the lease then lapses and the worker decides).
 */
import type { ClaimedJob } from '../../../worker/src/contracts/agent-protocol';
import type { JobStepDef } from '../../../worker/src/contracts/job-kinds';
import { linkSignals } from '../abort';
import { Backoff } from '../backoff';
import { AgentApiError, FatalAgentError, LeaseLostError, type AgentClient } from '../client';
import type { AgentConfig } from '../config';
import type { StepProgress } from '../kinds/types';
import type { Logger } from '../logger';
import { ProgressMeter } from '../progress-meter';
import { withRetry } from '../retry';
import type { JobHooks, StartDecision, StepFinish } from '../runner';
import type { HeldJob } from '../state';
import type { JobCancellation } from './cancellation';
import type { Heartbeat } from './heartbeat';
import type { LogPipeline } from './log-pipeline';

export interface HandshakeDeps {
  client: AgentClient;
  config: AgentConfig;
  job: ClaimedJob;
  steps: readonly JobStepDef[];
  held: HeldJob;
  save(): Promise<void>;
  logs: LogPipeline;
  heartbeat: Heartbeat;
  cancellation: JobCancellation;
  logger: Logger;
  onLost(err: AgentApiError): void;
}

const clamp = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? undefined : Math.min(Math.max(0, n), Number.MAX_SAFE_INTEGER));

export function workerHooks(d: HandshakeDeps): JobHooks {
  const { client, job, held, cancellation } = d;
  const lease = { leaseToken: job.leaseToken, attempt: job.attempt };
  const meter = new ProgressMeter();

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const link = linkSignals(cancellation.signal);
    try {
      return await withRetry(what, fn, { backoff: new Backoff(d.config.backoffMinMs, d.config.backoffMaxMs), signal: link.signal, logger: d.logger });
    } catch (err) {
      if (err instanceof LeaseLostError || err instanceof FatalAgentError) d.onLost(err);
      throw err;
    } finally {
      link.dispose();
    }
  };
  const noteCancel = (r: { cancelRequested: boolean }) => r.cancelRequested && cancellation.stop('cancelled');

  const stepStart = async (i: number): Promise<StartDecision> => {
    if (d.steps[i]?.needsApproval) {
      // Without an approval the lease is released: get the log out first.
      await d.logs.upload(cancellation.signal);
    }
    const r = await call(`step ${i} start`, () => client.stepStart(job.id, i, lease));
    noteCancel(r);
    if (r.status === 'ok') {
      held.running = i;
      await d.save();
    }
    return r.status;
  };

  const refusedResult = (i: number, result: StepFinish, err: AgentApiError): StepFinish => {
    const message = `the worker could not store the result of this step (${err.code}: ${err.message})${result.status === 'failed' && result.error ? `; the step had failed: ${result.error.message}` : ''}`;
    d.logs.log.line(`step ${i + 1}: ${message}`);
    return { status: 'failed', error: { message: message.slice(0, 4000), code: 'RESULT_REFUSED' } };
  };

  const stepFinish = async (i: number, result: StepFinish): Promise<StepFinish> => {
    const send = (res: StepFinish) => call(`step ${i} finish`, () => client.stepFinish(job.id, i, { ...lease, ...res }));
    let sent = result;
    try {
      noteCancel(await send(result));
    } catch (err) {
      if (!(err instanceof AgentApiError) || err instanceof LeaseLostError || err instanceof FatalAgentError || cancellation.signal.aborted) throw err;
      sent = refusedResult(i, result, err);
      noteCancel(await send(sent));
    }
    if (sent.status === 'succeeded') {
      held.done.push(i);
      // A daemon restarted after a kill resumes from the held file: later steps need this step's outputs.
      const step = held.job.steps.find((s) => s.index === i);
      if (step) Object.assign(step, { status: 'succeeded', outputs: sent.outputs ?? null });
    }
    held.running = null;
    held.children = [];
    await d.save();
    return sent;
  };

  return {
    stepStart,
    stepFinish,
    onStep: (i, step) => {
      meter.reset();
      d.heartbeat.setProgress(i === undefined ? {} : { stepIndex: i, message: step?.title ?? '' }, false);
    },
    onProgress: (i, p: StepProgress) => {
      const f = meter.fill(p);
      const progress = {
        stepIndex: i,
        message: (f.message ?? d.steps[i]?.title ?? '').slice(0, 500),
        done: clamp(f.done),
        total: clamp(f.total),
        unit: f.unit,
        rate: clamp(f.rate),
        etaSeconds: f.etaSeconds === undefined ? undefined : Math.min(clamp(f.etaSeconds) ?? 0, 10 * 365 * 86_400),
      };
      d.heartbeat.setProgress(Object.fromEntries(Object.entries(progress).filter(([, v]) => v !== undefined)));
    },
  };
}
