/**
 * @module
 * One claimed job on the daemon, from claim to hand-back. The session wires the parts together
 * and decides what each ending means; the parts live in their own files: the log pipeline (spool
 * + redaction + upload), the heartbeat (lease, cancel, progress), the step handshake and the
 * finish/release hand-back. One {@link JobCancellation} is the only stop signal: the heartbeat
 * and log uploads stop it with `cancelled` or `lease-lost`, the agent's second stop signal with
 * `agent-stopping`; the runner reads its reason.
 *
 * Resume after a daemon restart: steps that finished are skipped and an idempotent step that was
 * running is run again; a non-idempotent step that was running is NOT re-run — the session
 * uploads a note and lets the lease lapse, so the worker moves the job to needs_attention.
 */
import type { ClaimedJob } from '../../../worker/src/contracts/agent-protocol';
import { getJobKind } from '../../../worker/src/contracts/job-kinds';
import { timeoutSignal } from '../abort';
import { Backoff } from '../backoff';
import { AgentApiError, FatalAgentError, LeaseLostError, TransientError, type AgentClient } from '../client';
import type { AgentConfig } from '../config';
import { killOrphans, recordChild } from '../executors/orphans';
import type { EarlierOutputs } from '../kinds/types';
import type { Logger } from '../logger';
import type { Policy } from '../policy';
import { Aborted } from '../retry';
import { runJob, type JobOutcome } from '../runner';
import type { HeldJob, HeldJobFile } from '../state';
import { JobCancellation, JobStopped } from './cancellation';
import { finishJob, releaseJob } from './finish';
import { Heartbeat } from './heartbeat';
import { LogPipeline } from './log-pipeline';
import { jobSecrets } from './secrets';
import { workerHooks } from './step-handshake';

export type SessionResult = 'finished' | 'awaiting_approval' | 'stopped' | 'lease_lost' | 'abandoned';

export interface SessionDeps {
  client: AgentClient;
  config: AgentConfig & { token: string };
  policy: Policy;
  /** Where this job's claim state is saved. */
  file: HeldJobFile;
  spoolDir: string;
  logger: Logger;
  /** First signal: finish the current step, then stop. */
  shouldStop(): boolean;
  /** Second signal: interrupt the current step now. */
  hardStop: AbortSignal;
  onSpawn?: (pid: number) => void;
}

/** Outputs of the steps that succeeded before this claim, by step id. */
function claimedOutputs(job: ClaimedJob): EarlierOutputs {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of job.steps) if (s.status === 'succeeded' && s.outputs) out[s.id] = s.outputs;
  return out;
}

export class JobSession {
  readonly cancellation = new JobCancellation();
  readonly #job: ClaimedJob;
  /** A revoked token seen by any part: the daemon must exit once the session is over. */
  #fatal: FatalAgentError | undefined;

  constructor(
    private readonly held: HeldJob,
    private readonly d: SessionDeps,
  ) {
    this.#job = held.job;
  }

  #lost = (err: AgentApiError): void => {
    if (err instanceof FatalAgentError) this.#fatal ??= err;
    this.cancellation.stop('lease-lost', err.message);
  };

  #save = async (): Promise<void> => this.d.file.save(this.held);

  #onSpawn = (pid: number): void => {
    const rec = recordChild(pid);
    if (rec) {
      (this.held.children ??= []).push(rec);
      this.d.file.save(this.held); // before the step can be killed with this child running
    }
    this.d.logger.debug(`job ${this.#job.id}: spawned pid ${pid}`);
    this.d.onSpawn?.(pid);
  };

  async run(): Promise<SessionResult> {
    const { d, cancellation } = this;
    const job = this.#job;
    const logs = await LogPipeline.open({
      job,
      client: d.client,
      config: d.config,
      spoolDir: d.spoolDir,
      secrets: jobSecrets(d.config, job),
      logger: d.logger,
      onLost: this.#lost,
      onCancelRequested: () => cancellation.stop('cancelled'),
    });
    const heartbeat = new Heartbeat({
      client: d.client,
      jobId: job.id,
      leaseToken: job.leaseToken,
      leaseExpiresAt: job.leaseExpiresAt,
      heartbeatMs: d.config.heartbeatMs,
      progressIntervalMs: d.config.progressIntervalMs,
      backoff: new Backoff(d.config.backoffMinMs, d.config.backoffMaxMs),
      cancellation,
      logger: d.logger,
      onLost: this.#lost,
    }).start();
    const onHardStop = () => cancellation.stop('agent-stopping');
    d.hardStop.addEventListener('abort', onHardStop, { once: true });
    if (d.hardStop.aborted) onHardStop();
    if (job.cancelRequested) cancellation.stop('cancelled');
    try {
      const result = await this.#drive(logs, heartbeat);
      if (this.#fatal) throw this.#fatal;
      return result;
    } finally {
      d.hardStop.removeEventListener('abort', onHardStop);
      d.logger.debug(`job ${job.id}: session ending (waiting for the heartbeat to stop)`);
      await heartbeat.stop();
      await logs.close();
      d.logger.debug(`job ${job.id}: session ended`);
    }
  }

  async #drive(logs: LogPipeline, heartbeat: Heartbeat): Promise<SessionResult> {
    const { d, held, cancellation } = this;
    const job = this.#job;
    const def = getJobKind(job.kind);
    const done = new Set<number>([...held.done, ...job.steps.filter((s) => s.status === 'succeeded').map((s) => s.index)]);

    // Children left behind by a daemon that was killed: stop them before anything re-runs.
    const orphans = killOrphans(held.children ?? []);
    if (orphans.length) d.logger.warn(`job ${job.id}: killed ${orphans.length} leftover child process group(s) from before the restart`);
    held.children = [];

    if (held.running !== null && held.running !== undefined && !done.has(held.running)) {
      const step = def?.steps[held.running];
      if (step?.idempotency === 'non-idempotent') {
        logs.log.setStep(held.running);
        logs.log.line(`agent restarted while non-idempotent step "${step.id}" was running: not running it again; the job needs attention`);
        await logs.upload(timeoutSignal(10_000));
        d.logger.warn(`job ${job.id}: step ${step.id} is non-idempotent and was interrupted; leaving the job to the worker (needs_attention)`);
        d.file.clear();
        return 'abandoned';
      }
      d.logger.info(`job ${job.id}: resuming; re-running idempotent step ${step?.id ?? held.running}`);
    }

    let outcome: JobOutcome | 'abandon';
    try {
      outcome = await runJob(
        { id: job.id, kind: job.kind, params: job.params, done, outputs: claimedOutputs(job) },
        {
          config: d.config,
          policy: d.policy,
          log: logs.log,
          dryRun: job.dryRun ?? false,
          signal: cancellation.signal,
          shouldStop: d.shouldStop,
          onSpawn: this.#onSpawn,
          hooks: workerHooks({
            client: d.client,
            config: d.config,
            job,
            steps: def?.steps ?? [],
            held,
            save: this.#save,
            logs,
            heartbeat,
            cancellation,
            logger: d.logger,
            onLost: this.#lost,
          }),
        },
      );
    } catch (err) {
      outcome = this.#outcomeOfError(err);
    }
    if (outcome === 'abandon') {
      d.file.clear();
      return 'abandoned';
    }
    return this.#handBack(outcome, logs);
  }

  /**
   * A hook failed. The cancellation's reason says what that means; otherwise the worker refused
   * something about this job (e.g. 409 CONFLICT, or a result it could not take even as a
   * failure): drop the job and keep serving — the lease lapses and the worker decides.
   */
  #outcomeOfError(err: unknown): JobOutcome | 'abandon' {
    const stopped = this.cancellation.stopped;
    if (stopped?.reason === 'lease-lost' || err instanceof LeaseLostError) return { type: 'lease-lost' };
    if (stopped?.reason === 'agent-stopping') return { type: 'stopped', nextStep: -1 };
    if (stopped?.reason === 'cancelled' && (err instanceof JobStopped || err instanceof Aborted)) return { type: 'finished', status: 'cancelled' };
    if (err instanceof AgentApiError && !(err instanceof FatalAgentError)) {
      this.d.logger.error(`job ${this.#job.id}: the worker refused a request (${err.code}: ${err.message}); dropping the job`);
      return 'abandon';
    }
    throw err;
  }

  async #handBack(outcome: JobOutcome, logs: LogPipeline): Promise<SessionResult> {
    const { d } = this;
    const job = this.#job;
    const handBack = { client: d.client, config: d.config, job, logs, logger: d.logger };
    switch (outcome.type) {
      case 'lease-lost':
        d.logger.warn(`job ${job.id}: lease lost (${this.cancellation.stopped?.detail ?? 'the worker fenced this claim'}); stopping work on it`);
        d.file.clear();
        return 'lease_lost';
      case 'awaiting_approval':
        d.logger.info(`job ${job.id}: step ${outcome.stepIndex} awaits approval; the worker will offer the job again once approved`);
        d.file.clear();
        return 'awaiting_approval';
      case 'stopped':
        // Hand the job back at once rather than holding it until the lease runs out — but only
        // once the log is all up. If either fails, keep the claim: a restart within the lease
        // resumes it, and otherwise the worker's lease expiry requeues it.
        if (await releaseJob(handBack)) {
          d.logger.info(`job ${job.id}: agent stopping; released the job so another agent can take it now`);
          d.file.clear();
          await logs.destroy();
        } else d.logger.info(`job ${job.id}: agent stopping; the job stays resumable (lease kept until it expires)`);
        return 'stopped';
      case 'finished':
        return this.#finish(outcome, logs);
    }
  }

  async #finish(outcome: Extract<JobOutcome, { type: 'finished' }>, logs: LogPipeline): Promise<SessionResult> {
    const { d } = this;
    const job = this.#job;
    logs.log.line(`job ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ''}`);
    try {
      // Bounded by the hard stop, not by cancel: a cancelled job still finishes. A lost lease
      // shows up as 409 on the finish itself.
      await finishJob({ client: d.client, config: d.config, job, logs, logger: d.logger }, outcome, d.hardStop);
    } catch (err) {
      if (err instanceof LeaseLostError || this.cancellation.reason === 'lease-lost') {
        d.logger.warn(`job ${job.id}: lease lost while finishing; stopping work on it`);
        d.file.clear();
        return 'lease_lost';
      }
      if (err instanceof FatalAgentError) throw err;
      if (err instanceof TransientError || d.hardStop.aborted || err instanceof Aborted || err instanceof JobStopped) return 'stopped';
      if (err instanceof AgentApiError) {
        d.logger.error(`job ${job.id}: the worker refused a request (${err.code}: ${err.message}); dropping the job`);
        d.file.clear();
        return 'abandoned';
      }
      throw err;
    }
    d.logger.info(`job ${job.id}: ${outcome.status}`);
    d.file.clear();
    await logs.destroy();
    return 'finished';
  }
}
