/**
 * @module
 * Lease release on an agent's graceful stop: the job goes where lease expiry would send it, but
 * now instead of a TTL later — back to the queue (succeeded steps stay done, an idempotent step
 * still running goes back to pending), to needs_attention if a non-idempotent step is somehow
 * still running (the agent cannot vouch for what it did), or to cancelled if a cancel was asked.
 *
 * The lease token stays on the row (the expiry is cleared, and the fence only admits claimed or
 * running jobs, so it grants nothing): it is how a repeated release — lost response — is
 * recognised and answered the same. A new claim overwrites it.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs, jobSteps } from '../../db/schema';
import type { ReleaseResponse } from '../../contracts';
import { AppError } from '../../errors';
import { timingSafeEqual } from '../../lib/crypto';
import { leaseLost, withLease } from './lease';

export interface ReleaseResult extends ReleaseResponse {
  /** The job is claimable again: wake waiting agents. */
  requeued: boolean;
}

export async function releaseJob(
  db: DbOrTx,
  input: { jobId: string; agentId: string; leaseToken: string; attempt: number },
): Promise<ReleaseResult> {
  const [prior] = await db.select().from(jobs).where(eq(jobs.id, input.jobId));
  if (!prior) throw new AppError('NOT_FOUND', 'No such job.');
  if (
    prior.status !== 'claimed' &&
    prior.status !== 'running' &&
    prior.agentId === input.agentId &&
    prior.attempt === input.attempt &&
    prior.leaseToken &&
    timingSafeEqual(prior.leaseToken, input.leaseToken)
  ) {
    // Already released (or finished) under this very lease: same answer, nothing to redo.
    return { ok: true, status: prior.status, cancelRequested: prior.cancelRequestedAt !== null, requeued: false };
  }

  return withLease(db, input, async (tx, job) => {
    if (input.attempt !== job.attempt) throw leaseLost(`Attempt ${input.attempt} is not the current claim (${job.attempt})`);
    const cancelRequested = job.cancelRequestedAt !== null;
    const running = await tx
      .select({ index: jobSteps.index, idempotency: jobSteps.idempotency })
      .from(jobSteps)
      .where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.status, 'running')));
    const stuck = running.some((s) => s.idempotency === 'non-idempotent');
    const status = stuck ? 'needs_attention' : cancelRequested ? 'cancelled' : 'queued';
    const ended = { leaseExpiresAt: null, currentStep: null, updatedAt: sql`now()` };

    if (status === 'needs_attention') {
      const error = {
        code: 'LEASE_RELEASED',
        message: 'The agent released the job while a non-idempotent step was running; check the target, then retry or leave it.',
      };
      await tx
        .update(jobSteps)
        .set({ status: 'needs_attention', finishedAt: sql`now()`, error })
        .where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.status, 'running')));
      await tx.update(jobs).set({ status, ...ended, finishedAt: sql`now()`, error }).where(eq(jobs.id, job.id));
    } else if (status === 'cancelled') {
      await tx
        .update(jobSteps)
        .set({ status: 'cancelled', finishedAt: sql`now()` })
        .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.status, ['running', 'pending'])));
      await tx.update(jobs).set({ status, ...ended, finishedAt: sql`now()` }).where(eq(jobs.id, job.id));
    } else {
      // An idempotent step interrupted mid-run simply runs again on the next claim.
      await tx
        .update(jobSteps)
        .set({ status: 'pending', finishedAt: null })
        .where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.status, 'running')));
      await tx.update(jobs).set({ status, ...ended }).where(eq(jobs.id, job.id));
    }
    await tx.update(agents).set({ currentJobId: null, lastSeenAt: sql`now()` }).where(eq(agents.id, input.agentId));
    return { ok: true, status, cancelRequested, requeued: status === 'queued' };
  });
}
