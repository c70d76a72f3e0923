/**
 * @module
 * `/wait`: park on the hub until there may be work, then claim. SQL runs only when the hub says
 * this agent may have something to claim (a poke since its last empty claim) or does not know
 * the token yet; an idle agent's long-polls cost the database nothing.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { agents } from '../../db/schema';
import type { ClaimedJob } from '../../contracts';
import type { HubApi } from '../../hub/hub-core';
import { AppError } from '../../errors';
import { claimJob } from '../jobs/claim-job';
import { authenticateAgent } from './tokens';

export interface WaitOptions {
  tokenHash: string;
  waitMs: number;
  leaseTtlMs: number;
  /** Stops before claiming if the client went away (the job would sit leased to nobody). */
  aborted?: () => boolean;
}

export async function waitForJob(getDb: () => Db, hub: HubApi, opts: WaitOptions): Promise<ClaimedJob | null> {
  const deadline = Date.now() + opts.waitMs;
  for (let round = 0; round < 50; round++) {
    const r = await hub.agentWait({ tokenHash: opts.tokenHash, timeoutMs: Math.max(0, deadline - Date.now()) });
    if (r.kind === 'unknown') {
      const agent = await authenticateAgent(getDb(), opts.tokenHash);
      if (!agent) throw new AppError('UNAUTHORIZED', 'This agent token is unknown or was revoked. Enroll the agent again.');
      // Cache only the hash just checked: the first use of a rotated-in token must reach SQL
      // once, since that is what retires the pre-rotation token.
      await hub.learnAgent({ agentId: agent.id, tokenHashes: [opts.tokenHash], tags: agent.tags });
      continue;
    }
    // A connection (first since enrolling, since going offline, or since a hub restart) is worth one
    // SQL write: "never connected" must end, and "online" must not depend on the hub's memory alone.
    if (r.firstContact) await getDb().update(agents).set({ lastSeenAt: sql`now()` }).where(eq(agents.id, r.agentId));
    if (r.kind === 'idle' || opts.aborted?.()) return null;
    const job = await claimJob(getDb(), { id: r.agentId, tags: r.tags }, opts.leaseTtlMs);
    await hub.claimDone({ agentId: r.agentId, gen: r.gen, found: job !== null });
    if (job) {
      await hub.watchLease(Date.parse(job.leaseExpiresAt));
      await hub.pokeJobView(job.id); // queued → claimed, with its agent, for a watching admin
      return job;
    }
    if (Date.now() >= deadline) return null;
  }
  return null;
}
