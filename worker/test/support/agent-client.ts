/**
 * @module
 * A minimal agent-protocol client over real HTTP (fetch), for the worker's protocol tests and
 * the agent benchmark harness. It speaks the wire protocol literally — no retries, no spool —
 * so tests see exactly what the worker answers. The real daemon lives in agent/.
 */
import { createHash } from 'node:crypto';
import { readBody } from './admin-http';
import {
  AGENT_API_PREFIX,
  AGENT_PROTOCOL_HEADER,
  AGENT_PROTOCOL_VERSION,
  type ClaimedJob,
  type HeartbeatResponse,
  type JobFinishResponse,
  type LogChunk,
  type WaitResponse,
} from '../../src/contracts';

export interface Reply<T> {
  status: number;
  /** The success shape, or the shared error body on a non-2xx status. */
  body: T & { error?: { code: string; message: string; requestId: string } };
}

export class TestAgentClient {
  /** Counts every HTTP request this client made (benchmarks report it). */
  requests = 0;
  constructor(
    readonly baseUrl: string,
    public token?: string,
    readonly protocolVersion: number | null = AGENT_PROTOCOL_VERSION,
  ) {}

  async call<T = any>(path: string, body: unknown = {}, init: { signal?: AbortSignal; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
    if (this.protocolVersion !== null) headers[AGENT_PROTOCOL_HEADER] = String(this.protocolVersion);
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    this.requests++;
    const res = await fetch(`${this.baseUrl}${AGENT_API_PREFIX}${path}`, {
      method: 'POST',
      headers,
      body: init.raw ?? JSON.stringify(body),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return { status: res.status, body: (await readBody(res)) as Reply<T>['body'] };
  }

  async enroll(code: string, opts: { name?: string; tags?: string[] } = {}): Promise<Reply<any>> {
    const r = await this.call('/enroll', { code, name: opts.name ?? 'test-agent', tags: opts.tags ?? [], version: '0.0.0-test', hostname: 'test-host' });
    if (r.status === 201) this.token = r.body.token;
    return r;
  }

  /** `previews`: say this agent runs previews as dry runs (without it the worker hands it none). */
  wait(waitMs?: number, signal?: AbortSignal, opts: { previews?: boolean } = {}): Promise<Reply<WaitResponse>> {
    return this.call('/wait', { ...(waitMs === undefined ? {} : { waitMs }), ...opts }, signal ? { signal } : {});
  }

  /**
   * The claim a parked long-poll is expected to get, polling again (bounded) as the real agent
   * does: the server caps a long-poll (1–2 s in the harnesses), and on a loaded machine the
   * event that makes the job claimable can land after the first poll has ended.
   */
  async nextJob(first: Promise<Reply<WaitResponse>>, rounds = 10): Promise<NonNullable<WaitResponse['job']>> {
    let job = (await first).body.job;
    for (let i = 0; !job && i < rounds; i++) job = (await this.wait()).body.job;
    if (!job) throw new Error(`no job was offered within ${rounds + 1} long-polls`);
    return job;
  }

  heartbeat(job: ClaimedJob, extra: Record<string, unknown> = {}): Promise<Reply<HeartbeatResponse>> {
    return this.call(`/jobs/${job.id}/heartbeat`, { leaseToken: job.leaseToken, ...extra });
  }

  startStep(job: ClaimedJob, index: number): Promise<Reply<any>> {
    return this.call(`/jobs/${job.id}/steps/${index}/start`, { leaseToken: job.leaseToken, attempt: job.attempt });
  }

  finishStep(job: ClaimedJob, index: number, status: 'succeeded' | 'failed' = 'succeeded', outputs?: Record<string, unknown>): Promise<Reply<any>> {
    return this.call(`/jobs/${job.id}/steps/${index}/finish`, { leaseToken: job.leaseToken, attempt: job.attempt, status, ...(outputs ? { outputs } : {}) });
  }

  logs(job: ClaimedJob, chunks: LogChunk[]): Promise<Reply<any>> {
    return this.call(`/jobs/${job.id}/logs`, { leaseToken: job.leaseToken, chunks });
  }

  /** `log` is this claim's chunks, which start at seq `firstSeq` (the claim's logNextSeq). */
  finish(job: ClaimedJob, status: 'succeeded' | 'failed' | 'cancelled', log: string[], firstSeq = 0): Promise<Reply<JobFinishResponse>> {
    const all = log.join('');
    return this.call(`/jobs/${job.id}/finish`, {
      leaseToken: job.leaseToken,
      status,
      totalBytes: Buffer.byteLength(all),
      sha256: createHash('sha256').update(all).digest('hex'),
      lastSeq: firstSeq + log.length - 1,
    });
  }

  release(job: ClaimedJob, extra: Record<string, unknown> = {}): Promise<Reply<any>> {
    return this.call(`/jobs/${job.id}/release`, { leaseToken: job.leaseToken, attempt: job.attempt, ...extra });
  }
}

/**
 * Chunks with seq/offset computed as the real agent does (UTF-8 byte offsets), starting where
 * the claim says the job's log continues.
 */
export function toChunks(lines: string[], stepIndex?: number, start: { seq: number; offset: number } = { seq: 0, offset: 0 }): LogChunk[] {
  let offset = start.offset;
  return lines.map((data, i) => {
    const c: LogChunk = { seq: start.seq + i, offset, data, ...(stepIndex !== undefined ? { stepIndex } : {}) };
    offset += Buffer.byteLength(data);
    return c;
  });
}
