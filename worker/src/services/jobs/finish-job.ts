/**
 * @module
 * Job finish. Before the job may end, this claim's log must be complete: every seq from the
 * claim's first (logNextSeq) to lastSeq present, and those chunks (UTF-8, seq order) matching
 * the agent's byte count and sha256. Otherwise
 * the lease is kept and the agent is told which chunks to resend. Repeating a finish that
 * already went through (lost response) with the same lease token answers ok again.
 */
import { and, asc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobLogs, jobs, jobSteps } from '../../db/schema';
import type { JobFinishRequest, JobFinishResponse } from '../../contracts';
import { AGENT_FINISH_STATUSES, OPEN_STEP_STATUSES, WAITING_STEP_STATUSES } from '../../contracts/job-status';
import { AppError } from '../../errors';
import { timingSafeEqual } from '../../lib/crypto';
import { leaseLost, withLease } from './lease';
import { loadSteps } from './views';

const MAX_MISSING_REPORTED = 10_000;

interface Digest {
  missing: number[];
  bytes: number;
  sha256: string;
}

/** Gaps and digest of the stored chunks with seq in [fromSeq, lastSeq], in seq order. */
async function logDigest(db: DbOrTx, jobId: string, fromSeq: number, lastSeq: number): Promise<Digest> {
  const rows = await db
    .select({ seq: jobLogs.seq, data: jobLogs.data })
    .from(jobLogs)
    .where(and(eq(jobLogs.jobId, jobId), gte(jobLogs.seq, fromSeq), lte(jobLogs.seq, lastSeq)))
    .orderBy(asc(jobLogs.seq));
  const missing: number[] = [];
  let expected = fromSeq;
  for (const r of rows) {
    for (; expected < r.seq && missing.length < MAX_MISSING_REPORTED; expected++) missing.push(expected);
    expected = r.seq + 1;
  }
  for (; expected <= lastSeq && missing.length < MAX_MISSING_REPORTED; expected++) missing.push(expected);
  const bytes = new TextEncoder().encode(rows.map((r) => r.data).join(''));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { missing, bytes: bytes.length, sha256 };
}

const matches = (d: Digest, input: { totalBytes: number; sha256: string }) => d.bytes === input.totalBytes && d.sha256 === input.sha256;

export async function finishJob(
  db: DbOrTx,
  input: { jobId: string; agentId: string } & JobFinishRequest,
): Promise<JobFinishResponse> {
  // A repeated finish after success: the job is terminal but still names this lease token.
  const [prior] = await db.select().from(jobs).where(eq(jobs.id, input.jobId));
  if (!prior) throw new AppError('NOT_FOUND', 'No such job.');
  if (
    (AGENT_FINISH_STATUSES as readonly string[]).includes(prior.status) &&
    prior.agentId === input.agentId &&
    prior.leaseToken &&
    timingSafeEqual(prior.leaseToken, input.leaseToken)
  ) {
    return { ok: true, status: prior.status, cancelRequested: prior.cancelRequestedAt !== null };
  }

  return withLease(db, input, async (tx, job) => {
    const cancelRequested = job.cancelRequestedAt !== null;
    // Only this claim's range is checked: earlier claims' chunks were checked (or abandoned)
    // by the agents that wrote them, and this agent may never have seen them.
    const fromSeq = job.logClaimFirstSeq ?? 0;
    const digest = await logDigest(tx, job.id, fromSeq, input.lastSeq);
    if (digest.missing.length) return { ok: false, reason: 'gaps', missingSeqs: digest.missing, cancelRequested };
    // The job records its whole log's size and digest; agents that predate logNextSeq always
    // send the whole log's digest, so that is accepted too.
    const whole = fromSeq === 0 ? digest : await logDigest(tx, job.id, 0, input.lastSeq);
    if (!matches(digest, input) && !matches(whole, input)) {
      const count = Math.max(0, Math.min(input.lastSeq - fromSeq + 1, MAX_MISSING_REPORTED));
      const all = Array.from({ length: count }, (_, i) => fromSeq + i);
      return { ok: false, reason: 'checksum_mismatch', missingSeqs: all, cancelRequested };
    }
    const steps = await loadSteps(tx, job.id);
    if (input.status === 'succeeded') {
      const unfinished = steps.find((s) => s.status !== 'succeeded');
      if (unfinished) throw new AppError('CONFLICT', `Step ${unfinished.index} (${unfinished.stepId}) is ${unfinished.status}; the job cannot succeed.`);
    }
    if (input.status === 'cancelled' && !cancelRequested) throw new AppError('CONFLICT', 'Nobody asked to cancel this job; finish it as succeeded or failed.');
    const open = steps.filter((s) => (OPEN_STEP_STATUSES as readonly string[]).includes(s.status)).map((s) => s.index);
    if (open.length) {
      await tx
        .update(jobSteps)
        .set({ status: input.status === 'failed' ? 'failed' : 'cancelled', finishedAt: sql`now()` })
        .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.index, open), eq(jobSteps.status, 'running')));
      await tx
        .update(jobSteps)
        .set({ status: 'cancelled' })
        .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.index, open), inArray(jobSteps.status, [...WAITING_STEP_STATUSES])));
    }
    await tx
      .update(jobs)
      .set({
        status: input.status,
        // The token stays (lease_expires_at goes): it is how a resent finish is recognised.
        leaseExpiresAt: null,
        currentStep: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
        logBytes: whole.bytes,
        logSha256: whole.sha256,
        error: input.error ?? null,
      })
      .where(eq(jobs.id, job.id));
    await tx.update(agents).set({ currentJobId: null, lastSeenAt: sql`now()` }).where(eq(agents.id, input.agentId));
    return { ok: true, status: input.status, cancelRequested };
  });
}
