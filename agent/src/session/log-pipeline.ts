/**
 * @module
 * A claimed job's log, end to end: lines are redacted, appended to the on-disk spool at once and
 * sealed into chunks, which the uploader sends in seq order. The spool continues where the
 * claim says the worker's stored log ends (logNextSeq/logNextOffset), so taking over a job
 * another agent logged to appends to its log. A lost lease or a revoked token stops the uploads
 * and is reported to the session; anything else is retried (the bytes are safe on disk).
 */
import type { ClaimedJob } from '../../../worker/src/contracts/agent-protocol';
import { Backoff } from '../backoff';
import { AgentApiError, FatalAgentError, LeaseLostError, type AgentClient } from '../client';
import type { AgentConfig } from '../config';
import { JobLog } from '../logs/job-log';
import { Redactor } from '../logs/redact';
import { LogSpool, type LogPosition } from '../logs/spool';
import { LogUploader } from '../logs/uploader';
import type { Logger } from '../logger';

export interface LogPipelineOptions {
  job: ClaimedJob;
  client: AgentClient;
  config: AgentConfig;
  spoolDir: string;
  secrets: string[];
  logger: Logger;
  /** The job's lease is gone or the agent was revoked: stop acting on the job. */
  onLost(err: AgentApiError): void;
  onCancelRequested(): void;
}

export class LogPipeline {
  private constructor(
    readonly log: JobLog,
    readonly spool: LogSpool,
    readonly uploader: LogUploader,
    /** Where this claim's log starts in the job's whole log. */
    readonly start: LogPosition,
  ) {}

  static async open(o: LogPipelineOptions): Promise<LogPipeline> {
    const { job, config, logger } = o;
    // Absent from older workers → 0, the whole-log numbering.
    const start = { seq: job.logNextSeq ?? 0, offset: job.logNextOffset ?? 0 };
    const spool = await LogSpool.openAt(o.spoolDir, config.logChunkBytes, start);
    let uploader!: LogUploader;
    const log = new JobLog({
      redactor: new Redactor(o.secrets),
      spool,
      flushMs: config.logFlushMs,
      chunkBytes: config.logChunkBytes,
      sink: { onChunk: () => uploader.notify(), onLine: (l) => logger.debug(`[${job.id}] ${l}`) },
    });
    uploader = new LogUploader({
      spool,
      backoff: new Backoff(config.backoffMinMs, config.backoffMaxMs),
      send: (chunks) => o.client.logs(job.id, { leaseToken: job.leaseToken, chunks }),
      onCancelRequested: o.onCancelRequested,
      onStopped: (err) =>
        err instanceof LeaseLostError || err instanceof FatalAgentError ? o.onLost(err) : logger.warn(`job ${job.id}: log upload stopped: ${err.message}`),
      onRetry: (err, ms) => logger.warn(`job ${job.id}: log upload: ${err.message}; retrying in ${ms} ms (logs are safe in the spool)`),
    });
    return new LogPipeline(log, spool, uploader, start);
  }

  /** Seals what was written and waits until the worker has every chunk (false: gave up). */
  async upload(signal?: AbortSignal): Promise<boolean> {
    await this.log.flush();
    return this.uploader.drain(signal);
  }

  /** This claim's chunks as the finish handshake reports them. */
  digest(): Promise<{ bytes: number; sha256: string }> {
    return this.spool.digestFrom(this.start.seq);
  }

  async close(): Promise<void> {
    this.uploader.stop();
    await this.spool.close().catch(() => undefined);
  }

  async destroy(): Promise<void> {
    await this.spool.destroy();
  }
}
