/**
 * @module
 * One claimed job on the daemon: spool + redacted log + uploader, a heartbeat long-poll that
 * renews the lease and carries cancel back within moments, the runner with worker-backed hooks,
 * and the finish handshake (resend what the worker says is missing, then finish again).
 *
 * Resume after a daemon restart: if the saved claim's lease is still alive, steps that finished
 * are skipped and an idempotent step that was running is run again; a non-idempotent step that
 * was running is NOT re-run — the session uploads a note and lets the lease lapse, so the worker
 * moves the job to needs_attention.
 *
 * The log continues where the claim says the worker's stored log ends (logNextSeq), so taking
 * over a job another agent logged to appends to its log; the finish digest covers this claim's
 * chunks. A graceful stop uploads the log, then releases the job so it is requeued at once.
 */
import { LEASE_TTL_MS, MAX_WAIT_MS, type ClaimedJob, type Progress } from '../../worker/src/contracts/agent-protocol';
import { getJobKind } from '../../worker/src/contracts/job-kinds';
import { anySignal, timeoutSignal } from './abort';
import { Backoff, sleep } from './backoff';
import { AgentApiError, FatalAgentError, LeaseLostError, TransientError, type AgentClient } from './client';
import type { AgentConfig } from './config';
import { JobLog } from './logs/job-log';
import { Redactor, secretsFromEnv, secretsFromParams } from './logs/redact';
import { LogSpool } from './logs/spool';
import { LogUploader } from './logs/uploader';
import type { Logger } from './logger';
import type { Policy } from './policy';
import { withRetry } from './retry';
import { runJob, type JobOutcome } from './runner';
import type { HeldJob, StateStore } from './state';
import { killOrphans, recordChild } from './executors/orphans';

export type SessionResult = 'finished' | 'awaiting_approval' | 'stopped' | 'lease_lost' | 'abandoned';

export interface SessionDeps {
  client: AgentClient;
  config: AgentConfig & { token: string };
  policy: Policy;
  state: StateStore;
  logger: Logger;
  /** First signal: finish the current step, then stop. */
  shouldStop(): boolean;
  /** Second signal: interrupt the current step now. */
  hardStop: AbortSignal;
  onSpawn?: (pid: number) => void;
}

const AGENT_STOP = 'agent-stop';
const CANCEL = 'cancel';

/** Every secret the job's log must never contain. */
export function jobSecrets(cfg: AgentConfig & { token: string }, job: Pick<ClaimedJob, 'kind' | 'params'>): string[] {
  const def = getJobKind(job.kind);
  const out = [cfg.token, ...secretsFromEnv(cfg.env), ...secretsFromParams(job.params, def?.secretParams ?? [])];
  const nomad = (job.params as { nomad?: Array<{ tokenEnv?: unknown }> } | null)?.nomad;
  if (Array.isArray(nomad))
    for (const t of nomad) if (typeof t?.tokenEnv === 'string' && cfg.env[t.tokenEnv]) out.push(cfg.env[t.tokenEnv] as string);
  return out;
}

export async function runSession(held: HeldJob, d: SessionDeps): Promise<SessionResult> {
  const { client, config, logger, state } = d;
  const job = held.job;
  const lease = { token: job.leaseToken, attempt: job.attempt };
  const ctl = new AbortController();
  const finished = new AbortController(); // ends the heartbeat long-poll
  let lost: AgentApiError | undefined;
  let current: Progress = {};
  const backoff = () => new Backoff(config.backoffMinMs, config.backoffMaxMs);

  // The claim's log continues where the worker's stored log ends (another agent may have
  // written the part before); absent from older workers → 0, the whole-log numbering.
  const logStart = { seq: job.logNextSeq ?? 0, offset: job.logNextOffset ?? 0 };
  const spool = await LogSpool.openAt(state.spoolDir(job.id), config.logChunkBytes, logStart);
  const redactor = new Redactor(jobSecrets(config, job));
  let uploader!: LogUploader;
  const log = new JobLog({
    redactor,
    spool,
    flushMs: config.logFlushMs,
    chunkBytes: config.logChunkBytes,
    sink: { onChunk: () => uploader.notify(), onLine: (l) => logger.debug(`[${job.id}] ${l}`) },
  });
  const loseLease = (err: AgentApiError) => {
    lost ??= err;
    if (!ctl.signal.aborted) ctl.abort(err);
    finished.abort();
  };
  uploader = new LogUploader({
    spool,
    backoff: backoff(),
    send: (chunks) => client.logs(job.id, { leaseToken: lease.token, chunks }),
    onCancelRequested: () => ctl.abort(CANCEL),
    onStopped: (err) => (err instanceof LeaseLostError || err instanceof FatalAgentError ? loseLease(err) : logger.warn(`log upload stopped: ${err.message}`)),
    onRetry: (err, ms) => logger.warn(`log upload: ${err.message}; retrying in ${ms} ms (logs are safe in the spool)`),
  });
  const onHardStop = () => !ctl.signal.aborted && ctl.abort(AGENT_STOP);
  d.hardStop.addEventListener('abort', onHardStop, { once: true });
  if (d.hardStop.aborted) onHardStop();

  // Heartbeat: a long-poll held by the worker until cancel/approval or waitMs; the lease is
  // renewed when each request arrives, so waitMs stays well under the TTL.
  const ttl = Math.max(1000, Date.parse(job.leaseExpiresAt) - Date.now() || LEASE_TTL_MS);
  const waitMs = Math.max(0, Math.min(config.heartbeatMs, MAX_WAIT_MS, Math.floor(ttl / 3)));
  const heartbeat = (async () => {
    const b = backoff();
    while (!finished.signal.aborted) {
      try {
        const r = await client.heartbeat(job.id, { leaseToken: lease.token, progress: current, waitMs }, finished.signal);
        b.reset();
        if (r.cancelRequested && !ctl.signal.aborted) {
          logger.info(`job ${job.id}: cancel requested by the worker`);
          ctl.abort(CANCEL);
        }
      } catch (err) {
        if (finished.signal.aborted) return;
        if (err instanceof LeaseLostError || err instanceof FatalAgentError) return loseLease(err);
        const ms = b.next();
        logger.warn(`heartbeat ${job.id}: ${(err as Error).message}; retrying in ${ms} ms`);
        await sleep(Math.min(ms, Math.floor(ttl / 4)), finished.signal);
      }
    }
  })();

  const call = <T>(what: string, fn: () => Promise<T>) =>
    withRetry(what, fn, { backoff: backoff(), signal: anySignal(finished.signal, d.hardStop), logger }).catch((err) => {
      if (lost) throw lost;
      if (err instanceof LeaseLostError || err instanceof FatalAgentError) loseLease(err);
      throw err;
    });
  let saving: Promise<void> = Promise.resolve();
  const save = () => (saving = saving.then(() => state.save(held), () => state.save(held)));
  const release = async (): Promise<boolean> => {
    // Not bounded by the hard stop: a second signal during the stop should not keep the job leased.
    const limit = timeoutSignal(5_000);
    try {
      await withRetry('job release', () => client.release(job.id, { leaseToken: lease.token, attempt: lease.attempt }), { backoff: backoff(), signal: limit, logger });
      return true;
    } catch (err) {
      logger.warn(`job ${job.id}: could not release the job (${(err as Error).message}); its lease will expire instead`);
      return false;
    }
  };
  const def = getJobKind(job.kind);
  const done = new Set<number>([...held.done, ...job.steps.filter((s) => s.status === 'succeeded').map((s) => s.index)]);

  // Children left behind by a daemon that was killed: stop them before anything re-runs.
  const orphans = killOrphans(held.children ?? []);
  if (orphans.length) logger.warn(`job ${job.id}: killed ${orphans.length} leftover child process group(s) from before the restart`);
  held.children = [];
  const onSpawn = (pid: number) => {
    const rec = recordChild(pid);
    if (rec) {
      (held.children ??= []).push(rec);
      void save().catch(() => undefined);
    }
    logger.debug(`job ${job.id}: spawned pid ${pid}`);
    d.onSpawn?.(pid);
  };

  try {
    if (job.cancelRequested) ctl.abort(CANCEL);
    // Killed mid-step before? Decide by the step's idempotency class.
    if (held.running !== null && !done.has(held.running)) {
      const step = def?.steps[held.running];
      if (step?.idempotency === 'non-idempotent') {
        log.setStep(held.running);
        log.line(`agent restarted while non-idempotent step "${step.id}" was running: not running it again; the job needs attention`);
        await log.flush();
        await uploader.drain(timeoutSignal(10_000));
        logger.warn(`job ${job.id}: step ${step.id} is non-idempotent and was interrupted; leaving the job to the worker (needs_attention)`);
        await state.clear();
        return 'abandoned';
      }
      logger.info(`job ${job.id}: resuming; re-running idempotent step ${step?.id ?? held.running}`);
    }

    let outcome: JobOutcome;
    try {
      outcome = await runJob(
        { id: job.id, kind: job.kind, params: job.params, done },
        {
          config,
          policy: d.policy,
          log,
          signal: ctl.signal,
          shouldStop: d.shouldStop,
          onSpawn,
          hooks: {
            stepStart: async (i) => {
              if (def?.steps[i]?.needsApproval) {
                // The lease is released if the approval is missing: get the log out first.
                await log.flush();
                await uploader.drain(anySignal(finished.signal, d.hardStop));
              }
              const r = await call(`step ${i} start`, () => client.stepStart(job.id, i, { leaseToken: lease.token, attempt: lease.attempt }));
              if (r.cancelRequested && !ctl.signal.aborted) ctl.abort(CANCEL);
              if (r.status === 'ok') {
                held.running = i;
                await save();
              }
              return r.status;
            },
            stepFinish: async (i, result) => {
              const r = await call(`step ${i} finish`, () =>
                client.stepFinish(job.id, i, { leaseToken: lease.token, attempt: lease.attempt, ...result }),
              );
              if (r.cancelRequested && !ctl.signal.aborted) ctl.abort(CANCEL);
              if (result.status === 'succeeded') held.done.push(i);
              held.running = null;
              held.children = [];
              await save();
            },
            onStep: (i, step) => {
              current = i === undefined ? {} : { stepIndex: i, message: step?.title ?? '' };
            },
          },
        },
      );
    } catch (err) {
      if (lost || err instanceof LeaseLostError) {
        logger.warn(`job ${job.id}: lease lost (${(lost ?? (err as Error)).message}); stopping work on it`);
        await state.clear();
        return 'lease_lost';
      }
      throw err;
    }
    if (lost) {
      logger.warn(`job ${job.id}: lease lost; stopping work on it`);
      await state.clear();
      return 'lease_lost';
    }

    if (outcome.type === 'awaiting_approval') {
      logger.info(`job ${job.id}: step ${outcome.stepIndex} awaits approval; the worker will offer the job again once approved`);
      await state.clear();
      return 'awaiting_approval';
    }
    if (outcome.type === 'stopped' || ctl.signal.reason === AGENT_STOP) {
      // Graceful stop (or a hard stop that interrupted a step): hand the job back at once
      // rather than holding it until the lease runs out — but only once the log is all up, so
      // nothing written here is left behind. If either fails, keep the claim: a restart within
      // the lease resumes it, and otherwise the worker's lease expiry requeues it.
      await log.flush();
      const uploaded = await uploader.drain(timeoutSignal(5_000));
      if (uploaded && (await release())) {
        logger.info(`job ${job.id}: agent stopping; released the job so another agent can take it now`);
        await state.clear();
        await spool.destroy();
      } else {
        logger.info(`job ${job.id}: agent stopping; the job stays resumable (lease kept until it expires)`);
      }
      return 'stopped';
    }

    const status = outcome.status;
    log.line(`job ${status}${outcome.error ? `: ${outcome.error.message}` : ''}`);
    await log.flush();
    for (let round = 0; ; round++) {
      await uploader.drain(anySignal(finished.signal, d.hardStop));
      if (lost) throw lost;
      // The integrity check covers this claim's chunks only (from logNextSeq on).
      const digest = await spool.digestFrom(logStart.seq);
      const r = await call('job finish', async () =>
        client.finish(job.id, {
          leaseToken: lease.token,
          status,
          totalBytes: digest.bytes,
          sha256: digest.sha256,
          lastSeq: spool.lastSeq,
          ...(outcome.error ? { error: { message: outcome.error.message.slice(0, 4000), ...(outcome.error.code ? { code: outcome.error.code } : {}) } } : {}),
        }),
      );
      if (r.ok) break;
      if (round >= 5) throw new AgentApiError(`the worker keeps reporting missing log chunks (${r.reason})`, 0, 'LOG_MISMATCH');
      logger.warn(`job ${job.id}: worker is missing ${r.missingSeqs.length} log chunk(s) (${r.reason}); resending`);
      await spool.markMissing(r.missingSeqs);
      uploader.notify();
    }
    logger.info(`job ${job.id}: ${status}`);
    await state.clear();
    await spool.destroy();
    return 'finished';
  } catch (err) {
    if (err instanceof LeaseLostError || (lost && !(err instanceof FatalAgentError))) {
      logger.warn(`job ${job.id}: lease lost; stopping work on it`);
      await state.clear();
      return 'lease_lost';
    }
    if (err instanceof TransientError || d.hardStop.aborted || (err as Error).name === 'Aborted') return 'stopped';
    if (err instanceof AgentApiError && !(err instanceof FatalAgentError)) {
      // The worker refused something about this job (e.g. 409 CONFLICT): drop it, keep serving.
      logger.error(`job ${job.id}: the worker refused a request (${err.code}: ${err.message}); dropping the job`);
      await state.clear();
      return 'abandoned';
    }
    throw err;
  } finally {
    finished.abort();
    uploader.stop();
    d.hardStop.removeEventListener('abort', onHardStop);
    logger.debug(`job ${job.id}: session ending (waiting for the heartbeat to stop)`);
    await heartbeat;
    await spool.close().catch(() => undefined);
    logger.debug(`job ${job.id}: session ended`);
  }
}
