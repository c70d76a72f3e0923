/**
 * @module
 * Lease release on an agent's graceful stop: the job goes where lease expiry would send it
 * (lost-lease.ts), but now instead of a TTL later.
 *
 * The lease token stays on the row (the expiry is cleared, and the fence only admits claimed or
 * running jobs, so it grants nothing): it is how a repeated release — lost response — is
 * recognised and answered the same. A new claim overwrites it.
 */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs } from '../../db/schema';
import type { ReleaseResponse } from '../../contracts';
import { AppError } from '../../errors';
import { timingSafeEqual } from '../../lib/crypto';
import { leaseLost, withLease } from './lease';
import { settleLostLeases } from './lost-lease';

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
    const settled = await settleLostLeases(tx, [{ id: job.id, cancelRequested }], {
      error: { code: 'LEASE_RELEASED', message: 'The agent released the job while a non-idempotent step was running; check the target, then retry or leave it.' },
      clearLeaseToken: false,
    });
    const status = settled.needsAttention.length ? 'needs_attention' : settled.cancelled.length ? 'cancelled' : 'queued';
    await tx.update(agents).set({ currentJobId: null, lastSeenAt: sql`now()` }).where(eq(agents.id, input.agentId));
    return { ok: true, status, cancelRequested, requeued: status === 'queued' };
  });
}
