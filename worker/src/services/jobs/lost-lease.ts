/**
 * @module
 * Where a job goes when the agent holding it lets go — its lease ran out, it released the job on a
 * graceful stop, or it was revoked — decided in SQL alone from the steps' idempotency classes, the
 * same way for all three:
 * - a non-idempotent step was running → needs_attention (nobody can vouch for what it did; never
 *   retried on its own), the step and the job carrying `error`;
 * - else a cancel was requested → cancelled;
 * - else → queued again: succeeded steps stay done, an idempotent step that was running goes back
 *   to pending and simply runs again on the next claim.
 * The caller holds the jobs' row locks (FOR UPDATE) inside its transaction.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs, jobSteps } from '../../db/schema';

export interface LostJob {
  id: string;
  cancelRequested: boolean;
}

export interface Settled {
  requeued: string[];
  needsAttention: string[];
  cancelled: string[];
}

export interface SettleOptions {
  /** What needs_attention jobs and their running step say happened. */
  error: { code: string; message: string };
  /**
   * Clear the lease token (expiry, revocation). A graceful release keeps it, expiry cleared, so a
   * repeated release under the same lease is recognised; the fence admits no job without expiry.
   */
  clearLeaseToken: boolean;
}

export async function settleLostLeases(tx: DbOrTx, lost: readonly LostJob[], opts: SettleOptions): Promise<Settled> {
  const out: Settled = { requeued: [], needsAttention: [], cancelled: [] };
  if (lost.length === 0) return out;
  const ids = lost.map((j) => j.id);
  const stuck = await tx
    .select({ jobId: jobSteps.jobId })
    .from(jobSteps)
    .where(and(inArray(jobSteps.jobId, ids), eq(jobSteps.status, 'running'), eq(jobSteps.idempotency, 'non-idempotent')));
  const stuckIds = new Set(stuck.map((s) => s.jobId));
  for (const j of lost) {
    if (stuckIds.has(j.id)) out.needsAttention.push(j.id);
    else if (j.cancelRequested) out.cancelled.push(j.id);
    else out.requeued.push(j.id);
  }
  const lease = { leaseExpiresAt: null, updatedAt: sql`now()`, ...(opts.clearLeaseToken ? { leaseToken: null } : {}) };
  if (out.needsAttention.length) {
    await tx
      .update(jobSteps)
      .set({ status: 'needs_attention', finishedAt: sql`now()`, error: opts.error })
      .where(and(inArray(jobSteps.jobId, out.needsAttention), eq(jobSteps.status, 'running')));
    // currentStep stays: it names the step a person has to check.
    await tx
      .update(jobs)
      .set({ status: 'needs_attention', ...lease, finishedAt: sql`now()`, error: opts.error })
      .where(inArray(jobs.id, out.needsAttention));
  }
  if (out.cancelled.length) {
    await tx
      .update(jobSteps)
      .set({ status: 'cancelled', finishedAt: sql`now()` })
      .where(and(inArray(jobSteps.jobId, out.cancelled), inArray(jobSteps.status, ['running', 'pending'])));
    await tx
      .update(jobs)
      .set({ status: 'cancelled', ...lease, currentStep: null, finishedAt: sql`now()` })
      .where(inArray(jobs.id, out.cancelled));
  }
  if (out.requeued.length) {
    await tx
      .update(jobSteps)
      .set({ status: 'pending', finishedAt: null })
      .where(and(inArray(jobSteps.jobId, out.requeued), eq(jobSteps.status, 'running')));
    await tx
      .update(jobs)
      .set({ status: 'queued', ...lease, currentStep: null })
      .where(inArray(jobs.id, out.requeued));
  }
  await tx.update(agents).set({ currentJobId: null }).where(inArray(agents.currentJobId, ids));
  return out;
}
