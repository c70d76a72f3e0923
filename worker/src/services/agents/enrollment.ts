/**
 * @module
 * Enrollment: an admin mints a one-time code (15 min, single use, stored hashed) and fixes the
 * tags the agent may have; the agent trades the code for a per-agent token (stored hashed) and
 * may ask for a subset of those tags, never more — holding a code does not let anyone claim jobs
 * for any tag. The code is consumed by a conditional UPDATE, so two agents racing with one code
 * get one token between them.
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

export async function createEnrollment(
  db: DbOrTx,
  input: { createdBy: string; serverUrl: string; agentCommand: string; tags: string[] },
): Promise<{ code: string; codeHash: string; expiresAt: string; command: string; runCommand: string; tags: string[] }> {
  const code = randomCode();
  const codeHash = await sha256Hex(normalizeCode(code));
  const expiresAt = new Date(Date.now() + ENROLLMENT_TTL_MS);
  const tags = [...new Set(input.tags)].sort();
  await db.insert(agentEnrollments).values({ id: newId('enr'), codeHash, createdBy: input.createdBy, expiresAt, tags });
  const tagArg = tags.length ? ` --tags ${tags.join(',')}` : '';
  return {
    code,
    codeHash,
    expiresAt: expiresAt.toISOString(),
    command: `${input.agentCommand} enroll --server ${input.serverUrl} --code ${code}${tagArg}`,
    runCommand: `${input.agentCommand} run`,
    tags,
  };
}

/** The tags an agent gets: what it asked for (all the enrollment allows when it asked for none), never more. */
export function grantedTags(requested: string[], allowed: string[]): string[] {
  if (!requested.length) return [...allowed].sort();
  const extra = [...new Set(requested)].filter((t) => !allowed.includes(t)).sort();
  if (extra.length) {
    const allows = allowed.length ? `only ${allowed.join(', ')}` : 'no tags';
    throw new AppError(
      'BAD_REQUEST',
      `This enrollment allows ${allows}; the agent asked for ${extra.join(', ')} as well. Ask for a subset, or create an enrollment with those tags in the admin (Agents → Enroll).`,
    );
  }
  return [...new Set(requested)].sort();
}

export function invalidEnrollmentCode(): AppError {
  return new AppError('UNAUTHORIZED', 'This enrollment code is not valid. Create a new one in the admin (Agents → Enroll).');
}

export function usedEnrollmentCode(): AppError {
  return new AppError('UNAUTHORIZED', 'This enrollment code was already used. Create a new one in the admin.');
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
  if (!row) throw invalidEnrollmentCode();
  if (row.usedAt) throw usedEnrollmentCode();
  if (row.expiresAt.getTime() <= Date.now()) throw new AppError('UNAUTHORIZED', 'This enrollment code has expired (codes last 15 minutes). Create a new one in the admin.');
  const tags = grantedTags(input.tags, row.tags);
  const agentId = newId('agt');
  const token = newAgentToken();
  const tokenHash = await sha256Hex(token);
  await db.transaction(async (tx) => {
    const used = await tx
      .update(agentEnrollments)
      .set({ usedAt: sql`now()`, agentId })
      .where(and(eq(agentEnrollments.id, row.id), isNull(agentEnrollments.usedAt), gt(agentEnrollments.expiresAt, sql`now()`)))
      .returning({ id: agentEnrollments.id });
    if (!used.length) throw usedEnrollmentCode();
    // Not "seen" yet: enrolling is the CLI trading a code; the daemon has not connected.
    await tx.insert(agents).values({ id: agentId, name: input.name, hostname: input.hostname, tags, version: input.version, tokenHash });
  });
  return { agentId, token, tokenHash, tags };
}
