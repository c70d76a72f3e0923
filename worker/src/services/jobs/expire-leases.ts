/**
 * @module
 * Lease expiry: a job whose lease ran out goes where lost-lease.ts sends any job its agent let go
 * of — back to the queue, to needs_attention if a non-idempotent step was running, or cancelled
 * if a cancel was asked. Called lazily (claim, heartbeat) and by the hub's alarm.
 */
import { and, eq, inArray, isNotNull, lt, min, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobs } from '../../db/schema';
import { LEASED_JOB_STATUSES } from '../../contracts/job-status';
import { settleLostLeases } from './lost-lease';

export interface ExpireResult {
  requeued: string[];
  needsAttention: string[];
  cancelled: string[];
  /** Earliest lease still held (ms since epoch), or null when no job holds a lease. */
  nextExpiryMs: number | null;
}

export async function expireLeases(db: DbOrTx, opts: { jobId?: string } = {}): Promise<ExpireResult> {
  const result: ExpireResult = await db.transaction(async (tx): Promise<ExpireResult> => {
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
    if (expired.length === 0) return { requeued: [], needsAttention: [], cancelled: [], nextExpiryMs: null };
    const settled = await settleLostLeases(
      tx,
      expired.map((j) => ({ id: j.id, cancelRequested: j.cancel !== null })),
      {
        error: { code: 'LEASE_LOST', message: 'The agent stopped renewing its lease while a non-idempotent step was running; check the target, then retry or leave it.' },
        clearLeaseToken: true,
      },
    );
    return { ...settled, nextExpiryMs: null };
  });
  if (!opts.jobId) result.nextExpiryMs = await nextLeaseExpiry(db);
  return result;
}

export async function nextLeaseExpiry(db: DbOrTx): Promise<number | null> {
  const [row] = await db
    .select({ at: min(jobs.leaseExpiresAt) })
    .from(jobs)
    .where(and(inArray(jobs.status, [...LEASED_JOB_STATUSES]), isNotNull(jobs.leaseExpiresAt)));
  return row?.at ? new Date(row.at).getTime() : null;
}
