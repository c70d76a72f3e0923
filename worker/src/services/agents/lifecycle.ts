/**
 * @module
 * An agent's life as the admin sees it, beyond enrollment and tokens: it goes offline when its
 * daemon says it is stopping (so the admin does not wait for presence to time out), it is revoked
 * (its token stops working at once, and a job it held goes where lease expiry would send it —
 * now, not a lease TTL later), and once revoked it can be removed from the list.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs } from '../../db/schema';
import { AppError } from '../../errors';
import { settleLostLeases, type Settled } from '../jobs/lost-lease';

/** The daemon said it is stopping: offline from now until it next connects. Idempotent. */
export async function markAgentOffline(db: DbOrTx, agentId: string): Promise<{ offlineAt: string }> {
  const [row] = await db.update(agents).set({ offlineAt: sql`now()` }).where(eq(agents.id, agentId)).returning({ offlineAt: agents.offlineAt });
  if (!row?.offlineAt) throw new AppError('NOT_FOUND', 'No such agent.');
  return { offlineAt: row.offlineAt.toISOString() };
}

/**
 * Revokes the agent's token and hands back any job it holds, in one transaction: idempotent step
 * running → queued again, non-idempotent → needs_attention, cancel asked → cancelled. Revoking
 * again changes nothing.
 */
export async function revokeAgent(db: DbOrTx, agentId: string): Promise<Settled> {
  return db.transaction(async (tx) => {
    // Jobs first, then the agent: the order every agent request takes (a heartbeat locks its job,
    // then touches its agent). The other order deadlocks with a heartbeat in flight.
    const held = await tx
      .select({ id: jobs.id, cancel: jobs.cancelRequestedAt })
      .from(jobs)
      .where(and(eq(jobs.agentId, agentId), inArray(jobs.status, ['claimed', 'running'])))
      .for('update');
    const rows = await tx
      .update(agents)
      .set({ revokedAt: sql`coalesce(${agents.revokedAt}, now())` })
      .where(eq(agents.id, agentId))
      .returning({ id: agents.id });
    if (!rows.length) throw new AppError('NOT_FOUND', 'No such agent.');
    const settled = await settleLostLeases(
      tx,
      held.map((j) => ({ id: j.id, cancelRequested: j.cancel !== null })),
      {
        error: { code: 'AGENT_REVOKED', message: 'The agent was revoked while a non-idempotent step was running; check the target, then retry or leave it.' },
        clearLeaseToken: true,
      },
    );
    await tx.update(agents).set({ currentJobId: null }).where(eq(agents.id, agentId));
    return settled;
  });
}

/** Deletes a revoked agent from the list (jobs keep its id in their history). */
export async function removeAgent(db: DbOrTx, agentId: string): Promise<void> {
  const [row] = await db.select({ revokedAt: agents.revokedAt }).from(agents).where(eq(agents.id, agentId));
  if (!row) throw new AppError('NOT_FOUND', 'No such agent.');
  if (!row.revokedAt) throw new AppError('CONFLICT', 'Revoke the agent before removing it: a working agent cannot be removed.');
  await db.delete(agents).where(and(eq(agents.id, agentId), sql`${agents.revokedAt} IS NOT NULL`));
}

