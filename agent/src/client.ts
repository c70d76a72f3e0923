/**
 * @module
 * HTTP client for the worker's `/agent/v1` API. Every response is validated with the worker's
 * own zod schemas (worker/src/contracts/agent-protocol.ts), and failures are classified so
 * callers can branch: {@link FatalAgentError} (401 revoked / 426 protocol: the daemon exits),
 * {@link LeaseLostError} (409: drop the job at once), {@link TransientError} (network, 429, 5xx:
 * retry with backoff), anything else {@link AgentApiError} (a bug on one side: do not retry).
 */
import type { z } from 'zod';
import {
  AGENT_API_PREFIX,
  AGENT_PROTOCOL_HEADER,
  EnrollResponse,
  HeartbeatResponse,
  JobFinishResponse,
  LogsResponse,
  OfflineResponse,
  ReleaseResponse,
  StepFinishResponse,
  StepStartResponse,
  TokenRotateResponse,
  WaitResponse,
  type ClaimScope,
  type EnrollRequest,
  type HeartbeatRequest,
  type JobFinishRequest,
  type LogsRequest,
  type OfflineRequest,
  type ReleaseRequest,
  type StepFinishRequest,
  type StepStartRequest,
} from '../../worker/src/contracts/agent-protocol';
import { ErrorBody, isRetryableStatus } from '../../worker/src/contracts/errors';
import { AGENT_PROTOCOL_VERSION } from '../../worker/src/contracts/version';
import { AGENT_VERSION } from './version';

export class AgentApiError extends Error {
  override name = 'AgentApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}
/** The agent must stop: its token was revoked (401) or its protocol is not supported (426). */
export class FatalAgentError extends AgentApiError {
  override name = 'FatalAgentError';
}
export class LeaseLostError extends AgentApiError {
  override name = 'LeaseLostError';
}
export class TransientError extends AgentApiError {
  override name = 'TransientError';
}

export interface ClientOptions {
  server: string;
  token?: string;
  fetch?: typeof fetch;
  /** Per-request timeout for short calls; long-polls add their wait time. */
  timeoutMs?: number;
}

export class AgentClient {
  #token: string | undefined;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  /** Counts requests (benchmarks report requests per idle hour). */
  requestCount = 0;

  constructor(opts: ClientOptions) {
    this.#base = opts.server.replace(/\/+$/, '') + AGENT_API_PREFIX;
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? fetch;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  setToken(token: string): void {
    this.#token = token;
  }

  async #call<S extends z.ZodType>(path: string, body: unknown, schema: S, opts: { extraTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<z.infer<S>> {
    // One plain controller, strongly held by the timer and the caller's listener: composite
    // signals (AbortSignal.any/timeout) are only weakly referenced and were seen to lose their
    // abort while a long-poll was in flight, leaving the daemon stuck.
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new DOMException('request timed out', 'TimeoutError')), this.#timeoutMs + (opts.extraTimeoutMs ?? 0));
    const onAbort = () => ctl.abort(opts.signal?.reason);
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const aborted = new Promise<never>((_, reject) => ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true }));
    aborted.catch(() => undefined);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [AGENT_PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION),
      'user-agent': `plexops-agent/${AGENT_VERSION}`,
    };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    this.requestCount++;
    try {
      let res: Response;
      let text: string;
      try {
        // Never follow a redirect: the token would go wherever the Location points.
        res = await Promise.race([this.#fetch(this.#base + path, { method: 'POST', headers, body: JSON.stringify(body), signal: ctl.signal, redirect: 'manual' }), aborted]);
        text = await Promise.race([res.text(), aborted]);
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        throw new TransientError(`cannot reach the worker (${describeNetError(err)})`, 0, 'NETWORK');
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (res.status >= 300 && res.status < 400) {
        const where = res.headers.get('location') ?? '(no location)';
        throw new AgentApiError(`the worker answered ${path} with a redirect to ${where}; not followed (the agent token would go with it) — set the server URL to the final address`, res.status, 'REDIRECT');
      }
      if (!res.ok) throw classify(res.status, json);
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new AgentApiError(`unexpected response from ${path} (HTTP ${res.status}); is the worker a compatible version?`, res.status, 'BAD_RESPONSE');
      }
      return parsed.data;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  enroll(req: EnrollRequest) {
    return this.#call('/enroll', req, EnrollResponse);
  }
  wait(waitMs: number, signal?: AbortSignal, opts: { scope?: ClaimScope } = {}) {
    // This agent runs a preview as a dry run: say so, or the worker never hands it one.
    return this.#call('/wait', { waitMs, previews: true, ...opts }, WaitResponse, { extraTimeoutMs: waitMs, ...(signal ? { signal } : {}) });
  }
  heartbeat(jobId: string, req: HeartbeatRequest, signal?: AbortSignal) {
    return this.#call(`/jobs/${enc(jobId)}/heartbeat`, req, HeartbeatResponse, {
      extraTimeoutMs: req.waitMs ?? 0,
      ...(signal ? { signal } : {}),
    });
  }
  stepStart(jobId: string, index: number, req: StepStartRequest) {
    return this.#call(`/jobs/${enc(jobId)}/steps/${index}/start`, req, StepStartResponse);
  }
  stepFinish(jobId: string, index: number, req: StepFinishRequest) {
    return this.#call(`/jobs/${enc(jobId)}/steps/${index}/finish`, req, StepFinishResponse);
  }
  logs(jobId: string, req: LogsRequest) {
    return this.#call(`/jobs/${enc(jobId)}/logs`, req, LogsResponse);
  }
  finish(jobId: string, req: JobFinishRequest) {
    return this.#call(`/jobs/${enc(jobId)}/finish`, req, JobFinishResponse);
  }
  release(jobId: string, req: ReleaseRequest) {
    return this.#call(`/jobs/${enc(jobId)}/release`, req, ReleaseResponse);
  }
  rotateToken() {
    return this.#call('/token/rotate', {}, TokenRotateResponse);
  }
  /** The daemon is stopping: the admin shows it offline now instead of after the presence window. */
  offline(req: OfflineRequest, signal?: AbortSignal) {
    return this.#call('/offline', req, OfflineResponse, signal ? { signal } : {});
  }
}

const enc = encodeURIComponent;

function describeNetError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'request timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? 'network error';
}

function classify(status: number, json: unknown): AgentApiError {
  const body = ErrorBody.safeParse(json);
  const code = body.success ? body.data.error.code : `HTTP_${status}`;
  const msg = body.success ? body.data.error.message : `HTTP ${status}`;
  if (status === 401)
    return new FatalAgentError(`the worker rejected this agent's token (revoked or unknown): ${msg} — enroll again with a new code`, status, code);
  if (status === 426 || code === 'UNSUPPORTED_PROTOCOL_VERSION')
    return new FatalAgentError(`the worker does not support this agent's protocol version ${AGENT_PROTOCOL_VERSION}: ${msg} — upgrade the agent`, status, code);
  if (status === 409 && code === 'LEASE_LOST') return new LeaseLostError(msg, status, code);
  if (isRetryableStatus(status) || status === 408) return new TransientError(msg, status, code);
  return new AgentApiError(msg, status, code);
}
