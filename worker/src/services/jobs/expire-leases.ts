/**
 * @module
 * Lease expiry, decided in SQL alone (steps carry their idempotency class): a job whose lease
 * ran out goes back to the queue, unless a non-idempotent step was running — that one goes to
 * needs_attention and is never retried on its own — or a cancel was requested, in which case
 * the job is simply cancelled. Called lazily (claim, heartbeat) and by the hub's alarm.
 */
import { and, eq, inArray, isNotNull, lt, min, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs, jobSteps } from '../../db/schema';
import { LEASED_JOB_STATUSES } from '../../contracts/job-status';

export interface ExpireResult {
  requeued: string[];
  needsAttention: string[];
  cancelled: string[];
  /** Earliest lease still held (ms since epoch), or null when no job holds a lease. */
  nextExpiryMs: number | null;
}

export async function expireLeases(db: DbOrTx, opts: { jobId?: string } = {}): Promise<ExpireResult> {
  const result = await db.transaction(async (tx) => {
    const expired = await tx
      .select({ id: jobs.id, cancel: jobs.cancelRequestedAt })
      .from(jobs)
      .where(
        and(
          inArray(jobs.status, [...LEASED_JOB_STATUSES]),
          lt(jobs.leaseExpiresAt, sql`now()`),
          opts.jobId ? eq(jobs.id, opts.jobId) : undefined,
        ),
      )
      .for('update', { skipLocked: true });
    const out: ExpireResult = { requeued: [], needsAttention: [], cancelled: [], nextExpiryMs: null };
    if (expired.length === 0) return out;
    const ids = expired.map((j) => j.id);
    const stuck = await tx
      .select({ jobId: jobSteps.jobId })
      .from(jobSteps)
      .where(and(inArray(jobSteps.jobId, ids), eq(jobSteps.status, 'running'), eq(jobSteps.idempotency, 'non-idempotent')));
    const stuckIds = new Set(stuck.map((s) => s.jobId));
    for (const j of expired) {
      if (stuckIds.has(j.id)) out.needsAttention.push(j.id);
      else if (j.cancel) out.cancelled.push(j.id);
      else out.requeued.push(j.id);
    }
    const lost = { code: 'LEASE_LOST', message: 'The agent stopped renewing its lease while a non-idempotent step was running; check the target, then retry or leave it.' };
    if (out.needsAttention.length) {
      await tx
        .update(jobSteps)
        .set({ status: 'needs_attention', finishedAt: sql`now()`, error: lost })
        .where(and(inArray(jobSteps.jobId, out.needsAttention), eq(jobSteps.status, 'running')));
      await tx
        .update(jobs)
        .set({ status: 'needs_attention', leaseToken: null, leaseExpiresAt: null, finishedAt: sql`now()`, updatedAt: sql`now()`, error: lost })
        .where(inArray(jobs.id, out.needsAttention));
    }
    if (out.cancelled.length) {
      await tx
        .update(jobSteps)
        .set({ status: 'cancelled', finishedAt: sql`now()` })
        .where(and(inArray(jobSteps.jobId, out.cancelled), inArray(jobSteps.status, ['running', 'pending'])));
      await tx
        .update(jobs)
        .set({ status: 'cancelled', leaseToken: null, leaseExpiresAt: null, currentStep: null, finishedAt: sql`now()`, updatedAt: sql`now()` })
        .where(inArray(jobs.id, out.cancelled));
    }
    if (out.requeued.length) {
      // An idempotent step interrupted mid-run simply runs again on the next claim.
      await tx
        .update(jobSteps)
        .set({ status: 'pending', finishedAt: null })
        .where(and(inArray(jobSteps.jobId, out.requeued), eq(jobSteps.status, 'running')));
      await tx
        .update(jobs)
        .set({ status: 'queued', leaseToken: null, leaseExpiresAt: null, currentStep: null, updatedAt: sql`now()` })
        .where(inArray(jobs.id, out.requeued));
    }
    await tx.update(agents).set({ currentJobId: null }).where(inArray(agents.currentJobId, ids));
    return out;
  });
  if (!opts.jobId) result.nextExpiryMs = await nextLeaseExpiry(db);
  return result;
}

export async function nextLeaseExpiry(db: DbOrTx): Promise<number | null> {
  const [row] = await db
    .select({ at: min(jobs.leaseExpiresAt) })
    .from(jobs)
    .where(and(or(eq(jobs.status, 'claimed'), eq(jobs.status, 'running')), isNotNull(jobs.leaseExpiresAt)));
  return row?.at ? new Date(row.at).getTime() : null;
}
