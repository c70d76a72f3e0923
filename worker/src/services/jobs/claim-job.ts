/**
 * @module
 * Atomic claim: `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`, so two agents racing
 * for one job never both get it and neither blocks on the other. A job is claimable when it
 * is queued and its required tags are a subset of the agent's. Expired leases are swept first
 * (lazy expiry), which turns a dead agent's job claimable in the same transaction. The claim
 * also fixes where its log starts (`logNextSeq`/`logNextOffset`), so an agent taking over from
 * another continues the job's log instead of overwriting it. The claimed params carry the secrets the kind
 * asks the worker for (`claimSecrets`, e.g. the stored Plex token), added here and never stored in the row.
 */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobs } from '../../db/schema';
import { withClaimSecrets, type ClaimedJob } from '../../contracts';
import { randomSecret } from '../../lib/crypto';
import type { StoredSecretResolver } from './claim-secrets';
import { expireLeases } from './expire-leases';
import { loadApprovals, loadSteps } from './views';

export interface ClaimingAgent {
  id: string;
  tags: string[];
}

export interface ClaimOptions {
  /** Claim only jobs of these kinds (an agent whose ordinary slots are busy). */
  kinds?: readonly string[] | undefined;
  /**
   * The agent said it runs previews as dry runs. An agent that did not (one older than previews)
   * is never handed one: it would run it for real, without the approvals a preview skips.
   */
  previews?: boolean | undefined;
  storedSecret?: StoredSecretResolver | undefined;
}

export async function claimJob(db: DbOrTx, agent: ClaimingAgent, leaseTtlMs: number, opts: ClaimOptions = {}): Promise<ClaimedJob | null> {
  await expireLeases(db);
  const claimed = await claimRow(db, agent, leaseTtlMs, opts);
  return claimed && { ...claimed, params: await withClaimSecrets(claimed.kind, claimed.params, opts.storedSecret ?? (async () => null)) };
}

async function claimRow(db: DbOrTx, agent: ClaimingAgent, leaseTtlMs: number, { kinds, previews }: ClaimOptions): Promise<ClaimedJob | null> {
  return db.transaction(async (tx) => {
    const leaseToken = `lse_${randomSecret(24)}`;
    const tags = JSON.stringify(agent.tags);
    const kindFilter = kinds ? sql`AND kind IN (SELECT jsonb_array_elements_text(${JSON.stringify(kinds)}::jsonb))` : sql``;
    const previewFilter = previews ? sql`` : sql`AND NOT dry_run`;
    // The claim's log starts after the last stored chunk (max, not count: a hole left by an
    // earlier claim stays a hole rather than shifting everyone's numbering).
    const claimed = await tx.execute<{ id: string; next_seq: number; next_offset: string | number }>(sql`
      UPDATE jobs SET
        status = 'claimed',
        attempt = attempt + 1,
        lease_token = ${leaseToken},
        lease_expires_at = now() + (${leaseTtlMs}::int * interval '1 millisecond'),
        agent_id = ${agent.id},
        claimed_at = coalesce(claimed_at, now()),
        log_claim_first_seq = coalesce((SELECT max(seq) + 1 FROM job_logs WHERE job_id = jobs.id), 0),
        updated_at = now()
      WHERE id = (
        SELECT id FROM jobs
        WHERE status = 'queued'
          AND tags <@ ARRAY(SELECT jsonb_array_elements_text(${tags}::jsonb))
          ${kindFilter}
          ${previewFilter}
        ORDER BY created_at, id
        FOR UPDATE SKIP LOCKED
        LIMIT 1
      )
      RETURNING id, log_claim_first_seq AS next_seq,
        coalesce((SELECT l."offset" + octet_length(l.data) FROM job_logs l WHERE l.job_id = jobs.id ORDER BY l.seq DESC LIMIT 1), 0) AS next_offset`);
    const row = claimed.rows[0];
    if (!row) return null;
    const id = row.id;
    const [job] = await tx.select().from(jobs).where(eq(jobs.id, id));
    if (!job) return null;
    await tx.update(agents).set({ currentJobId: id, lastSeenAt: sql`now()` }).where(eq(agents.id, agent.id));
    const steps = await loadSteps(tx, id);
    return {
      id: job.id,
      kind: job.kind,
      params: job.params,
      tags: job.tags,
      attempt: job.attempt,
      leaseToken,
      leaseExpiresAt: job.leaseExpiresAt!.toISOString(),
      steps: steps.map((s) => ({ index: s.index, id: s.stepId, status: s.status, attempts: s.attempts, outputs: (s.outputs as Record<string, unknown> | null) ?? null })),
      approvals: await loadApprovals(tx, id),
      cancelRequested: job.cancelRequestedAt !== null,
      dryRun: job.dryRun,
      logNextSeq: Number(row.next_seq),
      logNextOffset: Number(row.next_offset),
    };
  });
}
