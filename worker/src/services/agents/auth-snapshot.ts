/**
 * @module
 * What the hub loads once per lifetime to make its agent auth cache exact (hub-core.ts): every
 * live agent's token hashes and every open enrollment code. Two small queries; a household has
 * a handful of agents, and codes last 15 minutes.
 */
import { and, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agentEnrollments, agents } from '../../db/schema';
import type { AuthSnapshot } from '../../hub/hub-core';

const MAX_AGENTS = 10_000;

export async function loadAuthSnapshot(db: DbOrTx): Promise<AuthSnapshot> {
  const live = await db
    .select({ id: agents.id, tags: agents.tags, tokenHash: agents.tokenHash, previousTokenHash: agents.previousTokenHash })
    .from(agents)
    .where(isNull(agents.revokedAt))
    .limit(MAX_AGENTS);
  const open = await db
    .select({ hash: agentEnrollments.codeHash, expiresAt: agentEnrollments.expiresAt })
    .from(agentEnrollments)
    .where(and(isNull(agentEnrollments.usedAt), gt(agentEnrollments.expiresAt, sql`now()`)));
  return {
    // After a rotation the pre-rotation token is the verified one; the new token's first use
    // must reach Postgres, which retires the old one (tokens.ts).
    agents: live.map((a) => ({ agentId: a.id, tags: a.tags, tokenHashes: [a.previousTokenHash ?? a.tokenHash] })),
    unverified: live.filter((a) => a.previousTokenHash).map((a) => ({ hash: a.tokenHash, agentId: a.id })),
    enrollments: open.map((e) => ({ hash: e.hash, expiresAt: e.expiresAt.getTime() })),
  };
}
