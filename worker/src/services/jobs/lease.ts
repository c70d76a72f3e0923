/**
 * @module
 * The fence every agent write goes through: the job must exist, be held by this agent with
 * this exact lease token, and the lease must not have expired (an expired lease is swept on
 * the spot). Anything else is 409 LEASE_LOST, so an agent can never act on a job it lost.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client';
import { jobs } from '../../db/schema';
import { AppError } from '../../errors';
import { timingSafeEqual } from '../../lib/crypto';
import { expireLeases } from './expire-leases';

export type JobRow = typeof jobs.$inferSelect;

export function leaseLost(detail = 'This job is no longer leased to you'): AppError {
  return new AppError('LEASE_LOST', `${detail}: stop working on it and go back to waiting for work.`);
}

/** Loads and row-locks the job. Returns 'expired' so the caller can sweep it outside the tx. */
export async function lockJobForAgent(tx: Tx, jobId: string, agentId: string, leaseToken: string): Promise<JobRow | 'expired'> {
  const [job] = await tx.select().from(jobs).where(eq(jobs.id, jobId)).for('update');
  if (!job) throw new AppError('NOT_FOUND', 'No such job.');
  if (job.agentId !== agentId || !job.leaseToken || !timingSafeEqual(job.leaseToken, leaseToken)) throw leaseLost();
  if (job.status !== 'claimed' && job.status !== 'running') {
    if (job.status === 'awaiting_approval') throw leaseLost('The job is waiting for an approval and holds no lease');
    throw leaseLost(`The job is ${job.status}`);
  }
  if (!job.leaseExpiresAt || job.leaseExpiresAt.getTime() <= Date.now()) return 'expired';
  return job;
}

/**
 * Runs `fn` in a transaction holding the job's row lock, after the fence passed. An expired
 * lease is swept (requeue / needs_attention) and refused.
 */
export async function withLease<T>(
  db: DbOrTx,
  input: { jobId: string; agentId: string; leaseToken: string },
  fn: (tx: Tx, job: JobRow) => Promise<T>,
): Promise<T> {
  const out = await db.transaction(async (tx) => {
    const job = await lockJobForAgent(tx, input.jobId, input.agentId, input.leaseToken);
    if (job === 'expired') return { expired: true as const };
    return { expired: false as const, value: await fn(tx, job) };
  });
  if (out.expired) {
    await expireLeases(db, { jobId: input.jobId });
    throw leaseLost('The lease expired');
  }
  return out.value;
}
