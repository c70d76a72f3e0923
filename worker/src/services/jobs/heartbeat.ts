/** @module Lease renewal: extends the lease by the TTL and reports cancel + approvals. */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs } from '../../db/schema';
import type { HeartbeatResponse, Progress } from '../../contracts';
import { withLease } from './lease';
import { loadApprovals } from './views';
import type { HubApi } from '../../hub/hub-core';

export async function renewLease(
  db: DbOrTx,
  input: { jobId: string; agentId: string; leaseToken: string; leaseTtlMs: number; progress?: Progress | undefined },
): Promise<HeartbeatResponse> {
  return withLease(db, input, async (tx, job) => {
    const [row] = await tx
      .update(jobs)
      .set({
        leaseExpiresAt: sql`now() + (${input.leaseTtlMs}::int * interval '1 millisecond')`,
        updatedAt: sql`now()`,
        ...(input.progress ? { progress: input.progress } : {}),
      })
      .where(eq(jobs.id, job.id))
      .returning({ leaseExpiresAt: jobs.leaseExpiresAt });
    await tx.update(agents).set({ lastSeenAt: sql`now()` }).where(eq(agents.id, input.agentId));
    return {
      leaseExpiresAt: row!.leaseExpiresAt!.toISOString(),
      cancelRequested: job.cancelRequestedAt !== null,
      approvals: await loadApprovals(tx, job.id),
    };
  });
}

/** Cancel flag + approvals without renewing (after a heartbeat's long wait). */
export async function readJobSignals(db: DbOrTx, jobId: string): Promise<{ cancelRequested: boolean; leaseExpiresAt: string | null }> {
  const [row] = await db.select({ c: jobs.cancelRequestedAt, l: jobs.leaseExpiresAt }).from(jobs).where(eq(jobs.id, jobId));
  return { cancelRequested: !!row?.c, leaseExpiresAt: row?.l ? row.l.toISOString() : null };
}

/**
 * Heartbeat with an optional long wait: renew now, then hold the response until the job's hub
 * channel is poked (cancel, approval) or `waitMs` passes. The channel generation is read
 * before the renewal's SQL so a cancel landing in between is not missed.
 */
export async function heartbeatAndWait(
  db: DbOrTx,
  hub: HubApi,
  input: { jobId: string; agentId: string; leaseToken: string; leaseTtlMs: number; progress?: Progress | undefined; waitMs: number },
): Promise<HeartbeatResponse> {
  const before = input.waitMs > 0 ? await hub.jobWait({ jobId: input.jobId, sinceGen: null, timeoutMs: 0 }) : null;
  const res = await renewLease(db, input);
  // New progress is news for the admin's live view only: the view channel leaves this
  // heartbeat's own wait (on the job channel) parked.
  if (input.progress) await hub.pokeJobView(input.jobId);
  if (!before || res.cancelRequested) return res;
  const w = await hub.jobWait({ jobId: input.jobId, sinceGen: before.gen, timeoutMs: input.waitMs });
  if (!w.changed) return res;
  const signals = await readJobSignals(db, input.jobId);
  return { leaseExpiresAt: signals.leaseExpiresAt ?? res.leaseExpiresAt, cancelRequested: signals.cancelRequested, approvals: await loadApprovals(db, input.jobId) };
}
