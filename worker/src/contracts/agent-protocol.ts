/**
 * @module
 * The agent wire protocol (`/agent/v1/*`), owned by the worker and imported by the agent.
 * The worker validates requests with these schemas; the agent validates responses with them.
 *
 * Conventions every endpoint follows:
 * - Every request sends `X-Plexops-Protocol: <AGENT_PROTOCOL_VERSION>`; a version outside
 *   [MIN_AGENT_PROTOCOL_VERSION, AGENT_PROTOCOL_VERSION] → 426 UNSUPPORTED_PROTOCOL_VERSION.
 *   Responses carry the worker's own version in the same header.
 * - Every request but `/enroll` sends `Authorization: Bearer <agent token>`; unknown or revoked
 *   → 401 UNAUTHORIZED (the daemon exits with a clear message; it never retries a 401). An address
 *   that keeps presenting unknown tokens or enroll codes gets 429 with Retry-After.
 * - Every job-scoped request carries the `leaseToken` from the claim. A stale or foreign token,
 *   or a lease that expired, → 409 LEASE_LOST: the agent must stop acting on that job at once.
 * - Every job-scoped response carries `cancelRequested`.
 * - Errors use the shared `ErrorBody` (`{ error: { code, message, requestId } }`); branch on code.
 *   Retry 429/5xx/network errors with backoff; never retry 400/401/409/413/426.
 * - `attempt` is the job's claim number from {@link ClaimedJob.attempt}; step finish is
 *   idempotent on (job, step index, attempt), so a lost response can simply be resent.
 *
 * Log chunks: `seq` counts from 0 per job, over all its claims, with no holes; `offset` is the
 * byte offset (UTF-8) of the chunk in the job's whole log; `data` is UTF-8 text already
 * redacted by the agent. A claim's log starts where the worker's stored log ends:
 * {@link ClaimedJob.logNextSeq} / {@link ClaimedJob.logNextOffset}. An agent that claims a job
 * another agent (or an earlier run of itself with no spool left) worked on starts numbering
 * there; an agent resuming with its own spool keeps its numbering, which then agrees with
 * those values. Chunks below `logNextSeq` belong to earlier claims and are never overwritten:
 * resending one byte-identical (same offset and data) is accepted as a no-op, anything else
 * there → 409 CONFLICT. Chunks from `logNextSeq` on are an idempotent upsert within the claim.
 * Offsets must chain — chunk `seq` starts where `seq - 1` ends (its offset plus the UTF-8 length
 * of its data; seq 0 at byte 0): a contradiction within one request → 400, against a stored
 * neighbour → 409 CONFLICT; an offset past MAX_LOG_OFFSET → 400. Text fields (log data, outputs,
 * errors, progress messages) must be storable (storable.ts: no NUL, no lone surrogate) → else 400.
 *
 * At job finish the agent sends `lastSeq`, and `totalBytes` + sha256 (hex) of THIS CLAIM's
 * chunks (seq `logNextSeq`..`lastSeq`, UTF-8 bytes in seq order); the worker answers with the
 * seqs of that range it is missing (or all of the range if the checksum does not match) and the
 * agent resends them, then finishes again. For agents that predate `logNextSeq` the worker also
 * accepts the digest of the whole log from seq 0 (what they always send).
 *
 * Graceful stop: an agent that stops between steps (first SIGINT/SIGTERM) uploads its log, then
 * `POST /jobs/:id/release` hands the job back at once instead of letting the lease run out.
 * Added within version 1: `logNextSeq`/`logNextOffset` are optional (absent from older workers:
 * treat as 0 — the whole-log behaviour) and `/release` is a new endpoint; an older worker
 * answers it 404, which the agent treats like a failed release (the lease then simply expires).
 *
 * Going offline (added within version 1, optional): a daemon that stops cleanly — after its last
 * `/release` and log upload — sends `POST /offline`, and the admin shows it offline at once
 * instead of after the presence window (2 × the wait + 10 s). Its next `/wait` makes it online
 * again. Older agents never send it (they just go quiet and time out); an older worker answers it
 * 404, which the agent ignores: the call is best effort and must never delay the exit by more
 * than a few seconds.
 */
import { z } from 'zod';
import { JOB_STATUSES, STEP_STATUSES } from './job-status';
import { storableJson, storableText } from './storable';

export const AGENT_PROTOCOL_HEADER = 'X-Plexops-Protocol';
export const AGENT_API_PREFIX = '/agent/v1';

/** Lease time-to-live: a claim or heartbeat keeps the job for this long. */
export const LEASE_TTL_MS = 60_000;
/** Longest a `/wait` (or a heartbeat's `waitMs`) is held open: below proxies' ~60 s cut-off. */
export const MAX_WAIT_MS = 25_000;
/** Largest body accepted by `POST /jobs/:id/logs` (→ 413 PAYLOAD_TOO_LARGE beyond). */
export const MAX_LOG_REQUEST_BYTES = 256 * 1024;
/** Enrollment codes live this long and work once. */
export const ENROLLMENT_TTL_MS = 15 * 60_000;
/**
 * Largest byte offset a log chunk may start at (1 TiB): far beyond any job log, far below 2⁵³,
 * so offsets stay exact integers everywhere they are added up.
 */
export const MAX_LOG_OFFSET = 2 ** 40;

export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

export const StepStatus = z.enum(STEP_STATUSES);
export type StepStatus = z.infer<typeof StepStatus>;

/** Agent tags: what the agent can reach, e.g. `home`, `k8s`, `site=paris`. Jobs require a subset. */
export const AgentTag = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:=-]{0,63}$/, 'tag may contain letters, digits and _ . : = - (max 64)');
export const AgentTags = z.array(AgentTag).max(32);

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'malformed id');
const LeaseToken = storableText(z.string().min(1).max(128));
const Attempt = z.number().int().min(1).max(1_000_000);
const Iso = z.string();
/** Step outputs are stored as jsonb: every string in them, keys included, must be storable. */
const Outputs = storableJson(z.record(z.string(), z.unknown()));

// ---------------------------------------------------------------------------------------------
// POST /enroll (no Authorization; the one-time code is the credential)

export const EnrollRequest = z.strictObject({
  code: storableText(z.string().min(1).max(128)),
  name: storableText(z.string().trim().min(1).max(100)),
  /**
   * A subset of the tags the enrollment allows (the admin fixed them when creating the code);
   * empty = all of them. Asking for a tag it does not allow → 400 BAD_REQUEST naming it.
   */
  tags: AgentTags.default([]),
  version: storableText(z.string().min(1).max(64)),
  hostname: storableText(z.string().min(1).max(255)),
});
export type EnrollRequest = z.input<typeof EnrollRequest>;
export const EnrollResponse = z.object({
  agentId: z.string(),
  token: z.string(),
  /** The tags the agent got (added within version 1: absent from older workers). */
  tags: z.array(z.string()).optional(),
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

// ---------------------------------------------------------------------------------------------
// POST /wait — long-poll for work (≤ MAX_WAIT_MS); returns at once when a job is claimable.

/**
 * What an agent can take now: `any` job, or only kinds declared read-only — its other slots are
 * busy and it keeps one for checks and probes (job-kinds `readOnly`). Added within version 1
 * (an older worker answers 400 to it; the agent then runs one job at a time).
 */
export const ClaimScope = z.enum(['any', 'read-only']);
export type ClaimScope = z.infer<typeof ClaimScope>;

export const WaitRequest = z.strictObject({
  /** How long the server may hold the request; defaults to (and is capped at) the server's wait. */
  waitMs: z.number().int().min(0).max(MAX_WAIT_MS).optional(),
  scope: ClaimScope.optional(),
  /**
   * This agent runs a job marked `dryRun` as a dry run. Added within version 1: without it the
   * worker never hands the agent a preview (an older agent would run it for real).
   */
  previews: z.boolean().optional(),
});
export type WaitRequest = z.infer<typeof WaitRequest>;

export const ClaimedStep = z.object({
  index: z.number().int(),
  id: z.string(),
  status: StepStatus,
  /** Times this step was started, over all claims. */
  attempts: z.number().int(),
  outputs: Outputs.nullable(),
});
export type ClaimedStep = z.infer<typeof ClaimedStep>;

export const ApprovalInfo = z.object({
  stepIndex: z.number().int(),
  /** sha256 hex of `stepApprovalPayload(kind, stepIndex, params)` (job-kinds.ts). */
  paramsHash: z.string(),
  approvedBy: z.string(),
  approvedAt: Iso,
});
export type ApprovalInfo = z.infer<typeof ApprovalInfo>;

export const ClaimedJob = z.object({
  id: z.string(),
  kind: z.string(),
  params: z.unknown(),
  tags: z.array(z.string()),
  /** This claim's number (1 on first claim); send it back on step start/finish. */
  attempt: z.number().int(),
  leaseToken: z.string(),
  leaseExpiresAt: Iso,
  /** Server-side step state: on a resumed job, skip steps that already `succeeded`. */
  steps: z.array(ClaimedStep),
  approvals: z.array(ApprovalInfo),
  cancelRequested: z.boolean(),
  /** A preview: print every command and call, run none, approvals not asked (only to agents that said `previews`). */
  dryRun: z.boolean().optional(),
  /** This claim's first log seq: the worker's stored log ends just before it (absent → 0). */
  logNextSeq: z.number().int().min(0).optional(),
  /** Byte offset of `logNextSeq` in the job's whole log (absent → 0). */
  logNextOffset: z.number().int().min(0).optional(),
});
export type ClaimedJob = z.infer<typeof ClaimedJob>;

export const WaitResponse = z.object({
  job: ClaimedJob.nullable(),
  /** Wait this long (plus a little jitter) before the next `/wait`; 0 after a claim. */
  pollAfterMs: z.number().int().min(0),
});
export type WaitResponse = z.infer<typeof WaitResponse>;

// ---------------------------------------------------------------------------------------------
// POST /jobs/:id/heartbeat — renews the lease (TTL LEASE_TTL_MS). With `waitMs` the response is
// held until cancel is requested or an approval lands (or waitMs passes): a cancel channel
// with no polling. The lease is renewed when the request arrives, so keep waitMs < TTL/2.

/**
 * What the running step reports; the latest value wins. `rate` is units per second. Sent with
 * heartbeats at a bounded rate (the agent sends a heartbeat at most every couple of seconds
 * while progress moves), stored on the job, shown by the admin. `rate` was added within version
 * 1: upgrade the Worker before the agents.
 */
export const Progress = z.strictObject({
  stepIndex: z.number().int().min(0).max(1000).optional(),
  message: storableText(z.string().max(500)).optional(),
  done: z.number().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  total: z.number().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  unit: z.enum(['bytes', 'files', 'items', 'percent']).optional(),
  rate: z.number().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  etaSeconds: z.number().min(0).max(10 * 365 * 86_400).optional(),
});
export type Progress = z.infer<typeof Progress>;

export const HeartbeatRequest = z.strictObject({
  leaseToken: LeaseToken,
  progress: Progress.optional(),
  waitMs: z.number().int().min(0).max(MAX_WAIT_MS).optional(),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;
export const HeartbeatResponse = z.object({
  leaseExpiresAt: Iso,
  cancelRequested: z.boolean(),
  approvals: z.array(ApprovalInfo),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

// ---------------------------------------------------------------------------------------------
// POST /jobs/:id/steps/:index/start
// ok → run the step. awaiting_approval → the lease is released, the job waits for an approval
// and is offered again (a new claim, attempt+1) once approved: drop the job and go back to
// /wait. cancelled → do not run it; finish the job with status `cancelled`.

export const StepStartRequest = z.strictObject({ leaseToken: LeaseToken, attempt: Attempt });
export type StepStartRequest = z.infer<typeof StepStartRequest>;
export const StepStartResponse = z.object({
  status: z.enum(['ok', 'awaiting_approval', 'cancelled']),
  cancelRequested: z.boolean(),
});
export type StepStartResponse = z.infer<typeof StepStartResponse>;

// POST /jobs/:id/steps/:index/finish — idempotent on (job, step, attempt).
export const StepError = z.strictObject({ message: storableText(z.string().max(4000)), code: storableText(z.string().max(100)).optional() });
export const StepFinishRequest = z.strictObject({
  leaseToken: LeaseToken,
  attempt: Attempt,
  status: z.enum(['succeeded', 'failed']),
  outputs: Outputs.optional(),
  error: StepError.optional(),
});
export type StepFinishRequest = z.infer<typeof StepFinishRequest>;
export const StepFinishResponse = z.object({ ok: z.literal(true), cancelRequested: z.boolean() });
export type StepFinishResponse = z.infer<typeof StepFinishResponse>;

// ---------------------------------------------------------------------------------------------
// POST /jobs/:id/logs — idempotent upsert on (job, seq) from the claim's `logNextSeq` on; an
// earlier claim's chunk is never overwritten (identical resend: no-op; else 409 CONFLICT).
// Body ≤ MAX_LOG_REQUEST_BYTES.

export const LogChunk = z.strictObject({
  seq: z.number().int().min(0).max(10_000_000),
  offset: z.number().int().min(0).max(MAX_LOG_OFFSET, `offset must be at most ${MAX_LOG_OFFSET} (1 TiB)`),
  /** Stored as Postgres text: no NUL, no lone surrogate (the agent escapes them before sending). */
  data: storableText(z.string()),
  stepIndex: z.number().int().min(0).max(1000).optional(),
});
export type LogChunk = z.infer<typeof LogChunk>;
export const LogsRequest = z.strictObject({ leaseToken: LeaseToken, chunks: z.array(LogChunk).min(1).max(1000) });
export type LogsRequest = z.infer<typeof LogsRequest>;
export const LogsResponse = z.object({ accepted: z.number().int(), cancelRequested: z.boolean() });
export type LogsResponse = z.infer<typeof LogsResponse>;

// ---------------------------------------------------------------------------------------------
// POST /jobs/:id/finish — `{ ok: true }` ends the job (lease released); `{ ok: false,
// missingSeqs }` keeps the lease: resend those chunks, then finish again. Repeating a finish
// that already succeeded with the same lease token returns `{ ok: true }` again.

export const JobFinishRequest = z.strictObject({
  leaseToken: LeaseToken,
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  /** Bytes of this claim's chunks (seq ≥ the claim's `logNextSeq`). */
  totalBytes: z.number().int().min(0),
  /** sha256 of this claim's chunks; see the module comment. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits'),
  /** Highest seq sent; `logNextSeq - 1` (-1 on a first claim) when this claim wrote no log. */
  lastSeq: z.number().int().min(-1).max(10_000_000),
  error: StepError.optional(),
});
export type JobFinishRequest = z.infer<typeof JobFinishRequest>;
export const JobFinishResponse = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), status: JobStatus, cancelRequested: z.boolean() }),
  z.object({
    ok: z.literal(false),
    missingSeqs: z.array(z.number().int()),
    reason: z.enum(['gaps', 'checksum_mismatch']),
    cancelRequested: z.boolean(),
  }),
]);
export type JobFinishResponse = z.infer<typeof JobFinishResponse>;

// ---------------------------------------------------------------------------------------------
// POST /jobs/:id/release — graceful stop: hand the job back now rather than at lease expiry.
// The job is queued again at once (succeeded steps stay done; a step still running goes back to
// pending if idempotent, or to needs_attention if not — as lease expiry decides; a job with a
// cancel request is cancelled). Upload the log first. Repeating it with the same lease token
// answers the same; a stale token → 409 LEASE_LOST.

export const ReleaseRequest = z.strictObject({ leaseToken: LeaseToken, attempt: Attempt });
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;
export const ReleaseResponse = z.object({ ok: z.literal(true), status: JobStatus, cancelRequested: z.boolean() });
export type ReleaseResponse = z.infer<typeof ReleaseResponse>;

// ---------------------------------------------------------------------------------------------
// POST /offline — "I am stopping": the admin shows the agent offline from now until its next
// /wait. Idempotent; no lease needed (send it after releasing any job). Optional: see the module
// comment.

export const OfflineRequest = z.strictObject({
  /** Why, for the admin's log line ("SIGTERM", "update"): free text, never parsed. */
  reason: z.string().max(200).optional(),
});
export type OfflineRequest = z.infer<typeof OfflineRequest>;
export const OfflineResponse = z.object({ ok: z.literal(true), offlineAt: Iso });
export type OfflineResponse = z.infer<typeof OfflineResponse>;

// ---------------------------------------------------------------------------------------------
// POST /token/rotate — a new token; the old one keeps working until the new one is first used
// (so a crash between the response and saving the config does not lock the agent out).

export const TokenRotateRequest = z.strictObject({});
export const TokenRotateResponse = z.object({ token: z.string() });
export type TokenRotateResponse = z.infer<typeof TokenRotateResponse>;

/** Path params, shared so worker routes and agent client agree. */
export const JobIdParam = z.object({ id: Id });
export const StepParam = z.object({ id: Id, index: z.coerce.number().int().min(0).max(1000) });

/** Parses `X-Plexops-Protocol`; NaN when missing or not an integer. */
export function parseProtocolHeader(value: string | null | undefined): number {
  if (!value || !/^\d{1,6}$/.test(value.trim())) return Number.NaN;
  return Number(value.trim());
}
