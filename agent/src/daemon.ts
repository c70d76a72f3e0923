/**
 * @module
 * The `run` loop: resume the job a previous run held (if its lease is alive), then long-poll
 * `/wait` for work. After a job, poll again at once; when idle, wait the interval the worker sends
 * plus jitter (so agents never synchronise). Transient errors back off with jitter; a revoked
 * token (401) or an unsupported protocol (426) ends the daemon with a clear message.
 */
import { hostname } from 'node:os';
import { MAX_WAIT_MS } from '../../worker/src/contracts/agent-protocol';
import { Backoff, sleep } from './backoff';
import { AgentApiError, FatalAgentError, TransientError, type AgentClient } from './client';
import type { AgentConfig } from './config';
import { runSession } from './job-session';
import type { Logger } from './logger';
import type { Policy } from './policy';
import type { StopSignals } from './signals';
import { StateStore } from './state';

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
  const backoff = new Backoff(config.backoffMinMs, config.backoffMaxMs, random);
  const stopping = () => signals.graceful.signal.aborted;
  const sessionDeps = {
    client,
    config,
    policy: d.policy,
    state,
    logger,
    shouldStop: stopping,
    hardStop: signals.hard.signal,
    ...(d.onSpawn ? { onSpawn: d.onSpawn } : {}),
  };
  logger.info(`plexops-agent ${config.name} on ${hostname()} connecting to ${config.server}`);

  try {
    const held = await state.load();
    await state.pruneSpools(held?.job.id);
    if (held) {
      logger.info(`resuming job ${held.job.id} (attempt ${held.job.attempt}) held before the restart`);
      const r = await runSession(held, sessionDeps);
      if (r === 'stopped') return 0;
    }

    let announced = false;
    while (!stopping()) {
      let res;
      try {
        logger.debug('wait: long-polling for a job');
        res = await client.wait(MAX_WAIT_MS, signals.graceful.signal);
        backoff.reset();
        if (!announced) logger.info('connected; waiting for jobs');
        announced = true;
      } catch (err) {
        if (stopping()) break;
        if (err instanceof FatalAgentError) throw err;
        const ms = backoff.next();
        const why = err instanceof AgentApiError ? err.message : (err as Error).message;
        logger.warn(`wait: ${why}; reconnecting in ${ms} ms`);
        announced = false;
        await sleep(ms, signals.graceful.signal);
        continue;
      }
      if (res.job) {
        logger.info(`claimed job ${res.job.id} (${res.job.kind}, attempt ${res.job.attempt})`);
        const held = { job: res.job, done: [], running: null };
        await state.save(held);
        const r = await runSession(held, sessionDeps);
        if (r === 'stopped') break;
        continue; // look for the next job at once
      }
      const pause = res.pollAfterMs + Math.round(random() * Math.min(res.pollAfterMs, 1000));
      logger.debug(`wait: no job; next wait in ${pause} ms`);
      await sleep(pause, signals.graceful.signal);
    }
    logger.info('stopped');
    return 0;
  } catch (err) {
    if (err instanceof FatalAgentError) {
      logger.error(err.message);
      return 2;
    }
    if (err instanceof AgentApiError && !(err instanceof TransientError)) {
      logger.error(`unrecoverable error from the worker: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
