/**
 * @module
 * The job queue and its agents. Jobs are claimed with `FOR UPDATE SKIP LOCKED` and held by a
 * lease (token + expiry) that fences every agent write; steps copy their idempotency class
 * from the job kind at creation so lease expiry can be decided in SQL alone. Logs are
 * append-only chunks keyed by (job, seq), so a resent chunk is an idempotent upsert.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt } from './columns';
import { JOB_STATUSES, STEP_STATUSES } from '../../contracts/job-status';


export const agents = pgTable('agents', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  hostname: text('hostname').notNull(),
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
  version: text('version').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  /** The token before the last rotation: accepted until the new one is first used. */
  previousTokenHash: text('previous_token_hash').unique(),
  createdAt: createdAt(),
  lastSeenAt: tsz('last_seen_at'),
  revokedAt: tsz('revoked_at'),
  currentJobId: text('current_job_id'),
  /** When the daemon last said it was stopping (POST /agent/v1/offline); activity after it means online again. */
  offlineAt: tsz('offline_at'),
});

export const agentEnrollments = pgTable('agent_enrollments', {
  id: text('id').primaryKey(),
  codeHash: text('code_hash').notNull().unique(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  expiresAt: tsz('expires_at').notNull(),
  usedAt: tsz('used_at'),
  agentId: text('agent_id'),
  /** The tags the admin allows the enrolling agent; it may ask for a subset, never more. */
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
});

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    params: jsonb('params').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('queued'),
    /** Claim count; 1 after the first claim. */
    attempt: integer('attempt').notNull().default(0),
    leaseToken: text('lease_token'),
    leaseExpiresAt: tsz('lease_expires_at'),
    /** The agent holding (or, once finished, last holding) the job. */
    agentId: text('agent_id'),
    currentStep: integer('current_step'),
    cancelRequestedAt: tsz('cancel_requested_at'),
    progress: jsonb('progress'),
    error: jsonb('error'),
    logBytes: bigint('log_bytes', { mode: 'number' }),
    logSha256: text('log_sha256'),
    /**
     * First log seq of the current claim (= what the worker had stored + 1 when it was claimed):
     * chunks below it belong to earlier claims and are never overwritten, and the finish check
     * covers only seqs from here on. Null on jobs never claimed since this column was added (→ 0).
     */
    logClaimFirstSeq: integer('log_claim_first_seq'),
    /**
     * A preview: the agent prints every command and call the steps would make and runs none of
     * them; no step waits for an approval (nothing is changed). "Run it for real" makes a new job.
     */
    dryRun: boolean('dry_run').notNull().default(false),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    claimedAt: tsz('claimed_at'),
    startedAt: tsz('started_at'),
    finishedAt: tsz('finished_at'),
  },
  (t) => [
    index('jobs_status_created_idx').on(t.status, t.createdAt),
    index('jobs_created_idx').on(t.createdAt, t.id),
    index('jobs_lease_idx').on(t.leaseExpiresAt),
  ],
);

export const jobSteps = pgTable(
  'job_steps',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    stepId: text('step_id').notNull(),
    title: text('title').notNull(),
    needsApproval: boolean('needs_approval').notNull(),
    idempotency: text('idempotency', { enum: ['idempotent', 'non-idempotent'] }).notNull(),
    status: text('status', { enum: STEP_STATUSES }).notNull().default('pending'),
    /** Times started over all claims. */
    attempts: integer('attempts').notNull().default(0),
    /** The job attempt (claim) in which the step last started: finish is idempotent on it. */
    attempt: integer('attempt'),
    outputs: jsonb('outputs'),
    error: jsonb('error'),
    startedAt: tsz('started_at'),
    finishedAt: tsz('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.index] })],
);

export const jobLogs = pgTable(
  'job_logs',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    data: text('data').notNull(),
    stepIndex: integer('step_index'),
    receivedAt: tsz('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

export const jobApprovals = pgTable(
  'job_approvals',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    stepIndex: integer('step_index').notNull(),
    /** sha256 hex of stepApprovalPayload(kind, stepIndex, params). */
    paramsHash: text('params_hash').notNull(),
    approvedBy: text('approved_by').notNull(),
    approvedAt: tsz('approved_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('job_approvals_step_idx').on(t.jobId, t.stepIndex, t.paramsHash)],
);
