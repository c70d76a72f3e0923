/**
 * @module
 * Admin API contracts for jobs and agents (`/api/job-kinds`, `/api/jobs*`, `/api/agents*`).
 */
import { z } from 'zod';
import { AgentTags, ApprovalInfo, JobStatus, Progress, StepStatus } from './agent-protocol';
import { PageQuery } from './pagination';
import { IdParam, ResourceId } from './ids';
import { storableJson, storableText } from './storable';

export { IdParam, ResourceId };

export const CreateJobRequest = z.strictObject({
  kind: storableText(z.string().min(1).max(100)),
  /**
   * Validated by the kind's own schema; checked here first, whatever the kind, for text Postgres
   * cannot store (params are jsonb): a NUL or lone surrogate anywhere, keys included, is a 400.
   */
  params: storableJson(z.unknown()).optional(),
  tags: AgentTags.default([]),
  /** A preview: the agent prints what every step would run and runs nothing (no approvals asked). */
  dryRun: z.boolean().default(false),
});
export type CreateJobRequest = z.input<typeof CreateJobRequest>;

export const JobsQuery = PageQuery.extend({ status: JobStatus.optional() });
export type JobsQuery = z.infer<typeof JobsQuery>;

export const JobSummary = z.object({
  id: z.string(),
  kind: z.string(),
  status: JobStatus,
  tags: z.array(z.string()),
  attempt: z.number().int(),
  agentId: z.string().nullable(),
  currentStep: z.number().int().nullable(),
  cancelRequested: z.boolean(),
  dryRun: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const JobStepInfo = z.object({
  index: z.number().int(),
  id: z.string(),
  title: z.string(),
  needsApproval: z.boolean(),
  idempotency: z.enum(['idempotent', 'non-idempotent']),
  status: StepStatus,
  attempts: z.number().int(),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  error: z.unknown().nullable(),
  /** sha256 an approval for this step must carry (null when it needs none). */
  paramsHash: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobStepInfo = z.infer<typeof JobStepInfo>;

export const JobDetail = JobSummary.extend({
  params: z.unknown(),
  leaseExpiresAt: z.string().nullable(),
  claimedAt: z.string().nullable(),
  progress: Progress.nullable(),
  error: z.unknown().nullable(),
  logBytes: z.number().nullable(),
  logSha256: z.string().nullable(),
  steps: z.array(JobStepInfo),
  approvals: z.array(ApprovalInfo),
  agent: z.object({ id: z.string(), name: z.string(), hostname: z.string() }).nullable(),
});
export type JobDetail = z.infer<typeof JobDetail>;

/** Largest log chunk seq (as the agent protocol's LogChunk bounds it). */
export const MAX_LOG_SEQ = 10_000_000;

export const LogsQuery = z.object({
  after: z.coerce.number().int().min(-1).max(MAX_LOG_SEQ).default(-1),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export const LogChunkInfo = z.object({ seq: z.number().int(), offset: z.number(), data: z.string(), stepIndex: z.number().int().nullable() });
export type LogChunkInfo = z.infer<typeof LogChunkInfo>;
export const LogsPage = z.object({ chunks: z.array(LogChunkInfo), nextAfter: z.number().int(), done: z.boolean() });
export type LogsPage = z.infer<typeof LogsPage>;

/**
 * Live log stream (`GET /api/jobs/:id/logs/stream`, SSE) events:
 * - `chunk`: id = seq, data = {@link LogChunkInfo};
 * - `status`: data = {@link JobStatusEvent}, sent on connect and whenever what it carries
 *   changes (no id, so it never moves the Last-Event-ID a reconnect resumes the log from);
 * - `end`: data = {@link JobStreamEnd}, after the last chunk of a finished job.
 */
export const JobStepState = z.object({
  index: z.number().int(),
  status: StepStatus,
  attempts: z.number().int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  error: z.unknown().nullable(),
});
export type JobStepState = z.infer<typeof JobStepState>;

/** The moving parts of a {@link JobDetail}; the fixed ones (kind, params, titles) come from one read. */
export const JobStatusEvent = z.object({
  status: JobStatus,
  attempt: z.number().int(),
  agentId: z.string().nullable(),
  agent: z.object({ id: z.string(), name: z.string(), hostname: z.string() }).nullable(),
  currentStep: z.number().int().nullable(),
  cancelRequested: z.boolean(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: Progress.nullable(),
  error: z.unknown().nullable(),
  steps: z.array(JobStepState),
  approvals: z.array(ApprovalInfo),
  /** The gated step the job is stopped at, with the hash an approval binds to; null otherwise. */
  awaitingApproval: z.object({ stepIndex: z.number().int(), paramsHash: z.string() }).nullable(),
});
export type JobStatusEvent = z.infer<typeof JobStatusEvent>;

export const JobStreamEnd = z.object({ status: JobStatus.nullable() });
export type JobStreamEnd = z.infer<typeof JobStreamEnd>;

export const ApproveRequest = z.strictObject({ step: z.number().int().min(0).max(1000) });

/** POST /api/jobs/:id/reject: the job fails at its approval gate, naming who rejected it. */
export const RejectRequest = z.strictObject({
  step: z.number().int().min(0).max(1000),
  /** Shown on the job page after "rejected by <name>:". */
  reason: z.string().trim().max(500, 'Reason must be at most 500 characters.').optional(),
});
export type RejectRequest = z.input<typeof RejectRequest>;

export const AgentInfo = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  version: z.string(),
  tags: z.array(z.string()),
  online: z.boolean(),
  /**
   * never_connected: enrolled, but the daemon has not polled yet; offline: it stopped (and said
   * so) or has not been heard from within the presence window; revoked: its token is refused.
   */
  state: z.enum(['online', 'offline', 'never_connected', 'revoked']),
  lastSeenAt: z.string().nullable(),
  /** When the daemon last said it was stopping. */
  offlineAt: z.string().nullable(),
  currentJobId: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

/** `POST /api/agents/enrollments`: the tags the enrolling agent may have (it may ask for fewer). */
export const EnrollmentRequest = z.strictObject({ tags: AgentTags.default([]) });
export type EnrollmentRequest = z.input<typeof EnrollmentRequest>;
/** `command` enrolls (run once, as shown); `runCommand` then starts the daemon. Both use the deployment's AGENT_COMMAND. */
export const EnrollmentResponse = z.object({ code: z.string(), expiresAt: z.string(), command: z.string(), runCommand: z.string(), tags: z.array(z.string()) });
export type EnrollmentResponse = z.infer<typeof EnrollmentResponse>;
