/**
 * @module
 * The two ways a session hands a job back. `finishJob`: upload the whole log, then report the
 * outcome with this claim's byte count and sha256; the worker answers with any chunks it is
 * missing (or all of them when the checksum disagrees), which are resent before finishing again.
 * `releaseJob`: on a graceful stop, once the log is up, give the job back so another agent (or
 * this one after its restart) can take it at once rather than at lease expiry.
 */
import type { ClaimedJob } from '../../../worker/src/contracts/agent-protocol';
import { timeoutSignal } from '../abort';
import { Backoff } from '../backoff';
import { AgentApiError, type AgentClient } from '../client';
import type { AgentConfig } from '../config';
import type { Logger } from '../logger';
import { withRetry } from '../retry';
import type { LogPipeline } from './log-pipeline';

export interface HandBackDeps {
  client: AgentClient;
  config: AgentConfig;
  job: ClaimedJob;
  logs: LogPipeline;
  logger: Logger;
}

const MAX_RESEND_ROUNDS = 5;

export async function finishJob(
  d: HandBackDeps,
  outcome: { status: 'succeeded' | 'failed' | 'cancelled'; error?: { message: string; code?: string } },
  signal: AbortSignal,
): Promise<void> {
  const { client, job, logs } = d;
  const backoff = new Backoff(d.config.backoffMinMs, d.config.backoffMaxMs);
  const error = outcome.error ? { message: outcome.error.message.slice(0, 4000), ...(outcome.error.code ? { code: outcome.error.code } : {}) } : undefined;
  for (let round = 0; ; round++) {
    await logs.upload(signal);
    if (logs.uploader.stopped && logs.uploader.stopped.code !== 'STOPPED') throw logs.uploader.stopped;
    const digest = await logs.digest();
    const r = await withRetry(
      'job finish',
      () =>
        client.finish(job.id, {
          leaseToken: job.leaseToken,
          status: outcome.status,
          totalBytes: digest.bytes,
          sha256: digest.sha256,
          lastSeq: logs.spool.lastSeq,
          ...(error ? { error } : {}),
        }),
      { backoff, signal, logger: d.logger },
    );
    if (r.ok) return;
    if (round >= MAX_RESEND_ROUNDS) throw new AgentApiError(`the worker keeps reporting missing log chunks (${r.reason})`, 0, 'LOG_MISMATCH');
    d.logger.warn(`job ${job.id}: worker is missing ${r.missingSeqs.length} log chunk(s) (${r.reason}); resending`);
    await logs.spool.markMissing(r.missingSeqs);
    logs.uploader.notify();
  }
}

/** Uploads the log, then releases the job; false when either did not happen in time. */
export async function releaseJob(d: HandBackDeps): Promise<boolean> {
  // Bounded by its own clock, not by the hard stop: a second signal during the stop should not
  // leave the job leased to an agent that is going away.
  const uploaded = await d.logs.upload(timeoutSignal(5_000));
  if (!uploaded) return false;
  try {
    await withRetry('job release', () => d.client.release(d.job.id, { leaseToken: d.job.leaseToken, attempt: d.job.attempt }), {
      backoff: new Backoff(d.config.backoffMinMs, d.config.backoffMaxMs),
      signal: timeoutSignal(5_000),
      logger: d.logger,
    });
    return true;
  } catch (err) {
    d.logger.warn(`job ${d.job.id}: could not release the job (${(err as Error).message}); its lease will expire instead`);
    return false;
  }
}
