/**
 * @module
 * Enrollment: an admin mints a one-time code (15 min, single use, stored hashed); the agent
 * trades it for a per-agent token (stored hashed). The code is consumed by a conditional
 * UPDATE, so two agents racing with one code get one token between them.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agentEnrollments, agents } from '../../db/schema';
import { ENROLLMENT_TTL_MS, type EnrollRequest } from '../../contracts';
import { AppError } from '../../errors';
import { newId, normalizeCode, randomCode, randomSecret, sha256Hex } from '../../lib/crypto';

export const AGENT_TOKEN_PREFIX = 'pxa_';

export function newAgentToken(): string {
  return `${AGENT_TOKEN_PREFIX}${randomSecret(32)}`;
}

export async function createEnrollment(db: DbOrTx, input: { createdBy: string; serverUrl: string }): Promise<{ code: string; expiresAt: string; command: string }> {
  const code = randomCode();
  const expiresAt = new Date(Date.now() + ENROLLMENT_TTL_MS);
  await db.insert(agentEnrollments).values({ id: newId('enr'), codeHash: await sha256Hex(normalizeCode(code)), createdBy: input.createdBy, expiresAt });
  return { code, expiresAt: expiresAt.toISOString(), command: `plexops-agent enroll --server ${input.serverUrl} --code ${code}` };
}

export interface EnrolledAgent {
  agentId: string;
  token: string;
  tokenHash: string;
  tags: string[];
}

export async function enrollAgent(db: DbOrTx, input: Required<Pick<EnrollRequest, 'code' | 'name' | 'version' | 'hostname'>> & { tags: string[] }): Promise<EnrolledAgent> {
  const codeHash = await sha256Hex(normalizeCode(input.code));
  const [row] = await db.select().from(agentEnrollments).where(eq(agentEnrollments.codeHash, codeHash));
  if (!row) throw new AppError('UNAUTHORIZED', 'This enrollment code is not valid. Create a new one in the admin (Agents → Enroll).');
  if (row.usedAt) throw new AppError('UNAUTHORIZED', 'This enrollment code was already used. Create a new one in the admin.');
  if (row.expiresAt.getTime() <= Date.now()) throw new AppError('UNAUTHORIZED', 'This enrollment code has expired (codes last 15 minutes). Create a new one in the admin.');
  const agentId = newId('agt');
  const token = newAgentToken();
  const tokenHash = await sha256Hex(token);
  const tags = [...new Set(input.tags)].sort();
  await db.transaction(async (tx) => {
    const used = await tx
      .update(agentEnrollments)
      .set({ usedAt: sql`now()`, agentId })
      .where(and(eq(agentEnrollments.id, row.id), isNull(agentEnrollments.usedAt), gt(agentEnrollments.expiresAt, sql`now()`)))
      .returning({ id: agentEnrollments.id });
    if (!used.length) throw new AppError('UNAUTHORIZED', 'This enrollment code was already used. Create a new one in the admin.');
    // Not "seen" yet: enrolling is the CLI trading a code; the daemon has not connected.
    await tx.insert(agents).values({ id: agentId, name: input.name, hostname: input.hostname, tags, version: input.version, tokenHash });
  });
  return { agentId, token, tokenHash, tags };
}
