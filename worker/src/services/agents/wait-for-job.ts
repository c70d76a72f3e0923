/**
 * @module
 * `/wait`: park on the hub until there may be work, then claim. SQL runs only when the hub says
 * this agent may have something to claim (a poke since its last empty claim) or does not know
 * the token yet; an idle agent's long-polls cost the database nothing, and neither does a token
 * the hub knows to be unknown (its cache is exact once loaded: hub-core.ts).
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { agents } from '../../db/schema';
import { readOnlyJobKinds, type ClaimedJob } from '../../contracts';
import type { HubApi, WaitScope } from '../../hub/hub-core';
import { AppError, tooManyRefusals } from '../../errors';
import { claimJob } from '../jobs/claim-job';
import type { StoredSecretResolver } from '../jobs/claim-secrets';
import { authenticateAgent } from './tokens';

export interface WaitOptions {
  tokenHash: string;
  /** The client's address, for the refusal budget of unknown tokens. */
  address: string;
  waitMs: number;
  leaseTtlMs: number;
  /** `read-only`: the agent can only take kinds declared read-only right now. */
  scope?: WaitScope;
  /** Stops before claiming if the client went away (the job would sit leased to nobody). */
  aborted?: () => boolean;
  /** The agent runs previews as dry runs (see claim-job.ts). */
  previews?: boolean;
  /** Stored secrets a claimed job's kind asks for (see claim-secrets.ts). */
  storedSecret?: StoredSecretResolver;
}

export function unknownToken(): AppError {
  return new AppError('UNAUTHORIZED', 'This agent token is unknown or was revoked. Enroll the agent again.');
}

export async function waitForJob(getDb: () => Db, hub: HubApi, opts: WaitOptions): Promise<ClaimedJob | null> {
  const deadline = Date.now() + opts.waitMs;
  for (let round = 0; round < 50; round++) {
    const scope = opts.scope ?? 'any';
    const r = await hub.agentWait({ tokenHash: opts.tokenHash, timeoutMs: Math.max(0, deadline - Date.now()), scope, address: opts.address });
    if (r.kind === 'refused') throw unknownToken();
    if (r.kind === 'limited') throw tooManyRefusals(r.retryAfterSeconds);
    if (r.kind === 'unknown') {
      const agent = await authenticateAgent(getDb(), opts.tokenHash);
      if (!agent) {
        const v = await hub.noteRefusal(opts.address);
        throw v.allowed ? unknownToken() : tooManyRefusals(v.retryAfterSeconds);
      }
      // Cache only the hash just checked: the first use of a rotated-in token must reach SQL
      // once, since that is what retires the pre-rotation token.
      await hub.learnAgent({ agentId: agent.id, tokenHashes: [opts.tokenHash], tags: agent.tags });
      continue;
    }
    // A connection (first since enrolling, since going offline, or since a hub restart) is worth one
    // SQL write: "never connected" must end, and "online" must not depend on the hub's memory alone.
    if (r.firstContact) await getDb().update(agents).set({ lastSeenAt: sql`now()` }).where(eq(agents.id, r.agentId));
    if (r.kind === 'idle' || opts.aborted?.()) return null;
    const job = await claimJob(getDb(), { id: r.agentId, tags: r.tags }, opts.leaseTtlMs, {
      kinds: scope === 'read-only' ? readOnlyJobKinds() : undefined,
      previews: opts.previews,
      storedSecret: opts.storedSecret,
    });
    await hub.claimDone({ agentId: r.agentId, gen: r.gen, found: job !== null, scope });
    if (job) {
      await hub.watchLease(Date.parse(job.leaseExpiresAt));
      await hub.pokeJobView(job.id); // queued → claimed, with its agent, for a watching admin
      return job;
    }
    if (Date.now() >= deadline) return null;
  }
  return null;
}
