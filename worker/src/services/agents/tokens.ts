/**
 * @module
 * Agent token checks and rotation (revocation is in lifecycle.ts). After a rotation the previous token keeps
 * working until the new one is first used, so an agent that crashed before saving the new
 * token is not locked out; the first use of the new token retires the old one.
 */
import { and, eq, isNull, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents } from '../../db/schema';
import { AppError } from '../../errors';
import { sha256Hex } from '../../lib/crypto';
import { newAgentToken } from './enrollment';

export interface AuthedAgent {
  id: string;
  name: string;
  tags: string[];
  /** Every token hash currently accepted for this agent (for the hub's auth cache). */
  tokenHashes: string[];
  /** True when this request retired the pre-rotation token (the hub must forget it). */
  retiredPrevious: boolean;
}

export async function authenticateAgent(db: DbOrTx, tokenHash: string): Promise<AuthedAgent | null> {
  const [a] = await db
    .select()
    .from(agents)
    .where(and(or(eq(agents.tokenHash, tokenHash), eq(agents.previousTokenHash, tokenHash)), isNull(agents.revokedAt)));
  if (!a) return null;
  let retiredPrevious = false;
  if (a.previousTokenHash && a.tokenHash === tokenHash) {
    await db.update(agents).set({ previousTokenHash: null }).where(eq(agents.id, a.id));
    retiredPrevious = true;
  }
  const tokenHashes = retiredPrevious || !a.previousTokenHash ? [a.tokenHash] : [a.tokenHash, a.previousTokenHash];
  return { id: a.id, name: a.name, tags: a.tags, tokenHashes, retiredPrevious };
}

export async function rotateAgentToken(db: DbOrTx, agentId: string, usedHash: string): Promise<{ token: string; tokenHash: string }> {
  const token = newAgentToken();
  const hash = await sha256Hex(token);
  // The token that made this request becomes the grace token.
  const rows = await db
    .update(agents)
    .set({ tokenHash: hash, previousTokenHash: usedHash })
    .where(and(eq(agents.id, agentId), isNull(agents.revokedAt)))
    .returning({ id: agents.id });
  if (!rows.length) throw new AppError('UNAUTHORIZED', 'This agent was revoked. Enroll it again.');
  return { token, tokenHash: hash };
}
