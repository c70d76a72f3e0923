/**
 * @module
 * Job finish. Before the job may end, the log must be complete: every seq 0..lastSeq present
 * and the whole log (UTF-8, seq order) matching the agent's byte count and sha256. Otherwise
 * the lease is kept and the agent is told which chunks to resend. Repeating a finish that
 * already went through (lost response) with the same lease token answers ok again.
 */
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobLogs, jobs, jobSteps } from '../../db/schema';
import type { JobFinishRequest, JobFinishResponse } from '../../contracts';
import { AppError } from '../../errors';
import { timingSafeEqual } from '../../lib/crypto';
import { leaseLost, withLease } from './lease';
import { loadSteps } from './views';

const MAX_MISSING_REPORTED = 10_000;

async function logDigest(db: DbOrTx, jobId: string, lastSeq: number): Promise<{ missing: number[]; bytes: number; sha256: string }> {
  const rows = await db
    .select({ seq: jobLogs.seq, data: jobLogs.data })
    .from(jobLogs)
    .where(and(eq(jobLogs.jobId, jobId), lte(jobLogs.seq, lastSeq)))
    .orderBy(asc(jobLogs.seq));
  const missing: number[] = [];
  let expected = 0;
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

export async function finishJob(
  db: DbOrTx,
  input: { jobId: string; agentId: string } & JobFinishRequest,
): Promise<JobFinishResponse> {
  // A repeated finish after success: the job is terminal but still names this lease token.
  const [prior] = await db.select().from(jobs).where(eq(jobs.id, input.jobId));
  if (!prior) throw new AppError('NOT_FOUND', 'No such job.');
  if (
    (prior.status === 'succeeded' || prior.status === 'failed' || prior.status === 'cancelled') &&
    prior.agentId === input.agentId &&
    prior.leaseToken &&
    timingSafeEqual(prior.leaseToken, input.leaseToken)
  ) {
    return { ok: true, status: prior.status, cancelRequested: prior.cancelRequestedAt !== null };
  }

  return withLease(db, input, async (tx, job) => {
    const cancelRequested = job.cancelRequestedAt !== null;
    const digest = await logDigest(tx, job.id, input.lastSeq);
    if (digest.missing.length) return { ok: false, reason: 'gaps', missingSeqs: digest.missing, cancelRequested };
    if (digest.bytes !== input.totalBytes || digest.sha256 !== input.sha256) {
      const all = Array.from({ length: Math.min(input.lastSeq + 1, MAX_MISSING_REPORTED) }, (_, i) => i);
      return { ok: false, reason: 'checksum_mismatch', missingSeqs: all, cancelRequested };
    }
    const steps = await loadSteps(tx, job.id);
    if (input.status === 'succeeded') {
      const unfinished = steps.find((s) => s.status !== 'succeeded');
      if (unfinished) throw new AppError('CONFLICT', `Step ${unfinished.index} (${unfinished.stepId}) is ${unfinished.status}; the job cannot succeed.`);
    }
    if (input.status === 'cancelled' && !cancelRequested) throw new AppError('CONFLICT', 'Nobody asked to cancel this job; finish it as succeeded or failed.');
    const open = steps.filter((s) => s.status === 'running' || s.status === 'pending' || s.status === 'awaiting_approval').map((s) => s.index);
    if (open.length) {
      await tx
        .update(jobSteps)
        .set({ status: input.status === 'failed' ? 'failed' : 'cancelled', finishedAt: sql`now()` })
        .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.index, open), eq(jobSteps.status, 'running')));
      await tx
        .update(jobSteps)
        .set({ status: 'cancelled' })
        .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.index, open), inArray(jobSteps.status, ['pending', 'awaiting_approval'])));
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
        logBytes: digest.bytes,
        logSha256: digest.sha256,
        error: input.error ?? null,
      })
      .where(eq(jobs.id, job.id));
    await tx.update(agents).set({ currentJobId: null, lastSeenAt: sql`now()` }).where(eq(agents.id, input.agentId));
    return { ok: true, status: input.status, cancelRequested };
  });
}
