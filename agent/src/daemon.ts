/**
 * @module
 * The `run` loop: resume the jobs a previous run held (where their leases are alive), then
 * long-poll `/wait` for work while a slot is free — one request at a time for the whole agent,
 * asking only for read-only kinds when the ordinary slots are busy (slots.ts). A claimed job runs
 * in its own session beside the others. After a claim, poll again at once; when idle, wait the
 * interval the worker sends plus jitter (so agents never synchronise). Transient errors back off
 * with jitter; a revoked token (401) or an unsupported protocol (426) ends the daemon with a
 * clear message once its running jobs have stopped.
 */
import { hostname } from 'node:os';
import { MAX_WAIT_MS, type WaitResponse } from '../../worker/src/contracts/agent-protocol';
import { getJobKind } from '../../worker/src/contracts/job-kinds';
import { linkSignals } from './abort';
import { Backoff, sleep } from './backoff';
import { AgentApiError, FatalAgentError, TransientError, type AgentClient } from './client';
import type { AgentConfig } from './config';
import type { Logger } from './logger';
import type { Policy } from './policy';
import { JobSession, type SessionDeps } from './session/job-session';
import type { StopSignals } from './signals';
import { Slots, type ClaimScope } from './slots';
import { StateStore, type HeldJob } from './state';

export interface DaemonDeps {
  config: AgentConfig & { server: string; token: string };
  policy: Policy;
  client: AgentClient;
  logger: Logger;
  signals: StopSignals;
  random?: () => number;
  onSpawn?: (pid: number) => void;
}

/** Exit codes: 0 stopped on request, 2 fatal (revoked token, protocol, bad response). */
export async function runDaemon(d: DaemonDeps): Promise<number> {
  const { config, client, logger, signals } = d;
  const random = d.random ?? Math.random;
  const state = new StateStore(config.stateDir);
  const slots = new Slots(config.slots);
  const backoff = new Backoff(config.backoffMinMs, config.backoffMaxMs, random);
  const fatal = new AbortController();
  const stopping = () => signals.graceful.signal.aborted || fatal.signal.aborted;
  const sessionDeps: Omit<SessionDeps, 'file' | 'spoolDir'> = {
    client,
    config,
    policy: d.policy,
    logger,
    shouldStop: stopping,
    hardStop: signals.hard.signal,
    ...(d.onSpawn ? { onSpawn: d.onSpawn } : {}),
  };

  const start = (held: HeldJob) => {
    const id = held.job.id;
    const session = new JobSession(held, { ...sessionDeps, file: state.forJob(id), spoolDir: state.spoolDir(id) });
    const done = session.run().catch((err: unknown) => {
      if (err instanceof FatalAgentError || (err instanceof AgentApiError && !(err instanceof TransientError))) {
        if (!fatal.signal.aborted) fatal.abort(err);
      } else logger.error(`job ${id}: ${(err as Error).stack ?? String(err)}`);
    });
    slots.occupy(id, getJobKind(held.job.kind)?.readOnly ?? false, done);
  };

  /** Runs `fn` with a signal that aborts when the daemon starts stopping. */
  const whileStopping = async (fn: (signal: AbortSignal) => Promise<void>) => {
    const link = linkSignals(signals.graceful.signal, fatal.signal);
    try {
      await fn(link.signal);
    } finally {
      link.dispose();
    }
  };

  logger.info(`plexops-agent ${config.name} on ${hostname()} connecting to ${config.server} (${config.slots} slot${config.slots === 1 ? '' : 's'})`);
  const held = await state.loadAll();
  await state.pruneSpools(new Set(held.map((h) => h.job.id)));
  for (const h of held) {
    logger.info(`resuming job ${h.job.id} (attempt ${h.job.attempt}) held before the restart`);
    start(h);
  }

  let scoped = true; // false once a worker too old to know read-only waits refused one
  let announced = false;
  while (!stopping()) {
    const scope: ClaimScope = scoped ? slots.scope() : slots.count === 0 ? 'any' : null;
    if (scope === null) {
      await whileStopping((signal) => slots.changed(signal));
      continue;
    }
    // A slot freed while a read-only wait is parked widens what may be taken: ask again.
    const widen = new AbortController();
    const watching = scope === 'read-only' ? watchScope(slots, scope, widen) : undefined;
    const link = linkSignals(signals.graceful.signal, fatal.signal, widen.signal);
    let res: WaitResponse;
    try {
      logger.debug(`wait: long-polling for a job (${scope === 'any' ? 'any kind' : 'read-only kinds only'})`);
      res = await client.wait(MAX_WAIT_MS, link.signal, scope === 'read-only' ? { scope } : {});
      backoff.reset();
      if (!announced) logger.info('connected; waiting for jobs');
      announced = true;
    } catch (err) {
      if (stopping()) break;
      if (widen.signal.aborted) continue;
      if (err instanceof FatalAgentError) {
        fatal.abort(err);
        break;
      }
      if (scope === 'read-only' && err instanceof AgentApiError && err.status === 400) {
        logger.warn('the worker does not know read-only waits (an older version): running one job at a time');
        scoped = false;
        continue;
      }
      if (err instanceof AgentApiError && !(err instanceof TransientError)) {
        fatal.abort(err);
        break;
      }
      const ms = backoff.next();
      logger.warn(`wait: ${(err as Error).message}; reconnecting in ${ms} ms`);
      announced = false;
      await sleep(ms, signals.graceful.signal);
      continue;
    } finally {
      link.dispose();
      widen.abort();
      await watching;
    }
    if (res.job) {
      logger.info(`claimed job ${res.job.id} (${res.job.kind}, attempt ${res.job.attempt})`);
      const h: HeldJob = { job: res.job, done: [], running: null };
      state.forJob(res.job.id).save(h);
      start(h);
      continue; // look for the next job at once
    }
    const pause = res.pollAfterMs + Math.round(random() * Math.min(res.pollAfterMs, 1000));
    logger.debug(`wait: no job; next wait in ${pause} ms`);
    await whileStopping((signal) => sleep(pause, signal));
  }

  await slots.drained();
  const err = fatal.signal.reason as AgentApiError | undefined;
  if (err instanceof FatalAgentError) {
    logger.error(err.message);
    return 2;
  }
  if (err) {
    logger.error(`unrecoverable error from the worker: ${err.message}`);
    return 2;
  }
  await sayOffline(client, logger);
  logger.info('stopped');
  return 0;
}

/** How long a stopping daemon waits to tell the worker it is going (a service manager is waiting too). */
const OFFLINE_NOTICE_MS = 3_000;

/**
 * Best effort, after the last job was released: the admin shows the agent offline at once. A
 * worker too old to know `/offline` (404), an unreachable one or a slow one changes nothing —
 * presence then times out as before.
 */
async function sayOffline(client: AgentClient, logger: Logger): Promise<void> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException('offline notice timed out', 'TimeoutError')), OFFLINE_NOTICE_MS);
  try {
    await client.offline({ reason: 'stopped' }, ctl.signal);
  } catch (err) {
    logger.debug(`offline notice not delivered: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Aborts `widen` as soon as the slots would allow more than `scope` (a job ended). */
async function watchScope(slots: Slots, scope: ClaimScope, widen: AbortController): Promise<void> {
  while (!widen.signal.aborted) {
    await slots.changed(widen.signal);
    if (slots.scope() !== scope) widen.abort();
  }
}
