/**
 * @module
 * Log chunk ingestion. From the claim's first seq on it is an idempotent upsert on (job, seq):
 * a resend within the claim overwrites itself (the finish handshake's resend relies on that).
 * Below it the chunks belong to earlier claims — possibly another agent's — and are never
 * overwritten: a byte-identical resend (an agent whose acks were lost) is accepted as a no-op,
 * anything else is refused with 409 CONFLICT, because it would silently replace log lines.
 * Offsets must chain (log-offsets.ts): an overlap, a step backwards or a gap against a neighbour
 * is refused too.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobLogs } from '../../db/schema';
import type { LogChunk, LogsResponse } from '../../contracts';
import { AppError } from '../../errors';
import { withLease } from './lease';
import { checkRequestOffsets, checkStoredOffsets } from './log-offsets';

export async function appendLogs(
  db: DbOrTx,
  input: { jobId: string; agentId: string; leaseToken: string; chunks: LogChunk[] },
): Promise<LogsResponse> {
  const seen = new Set<number>();
  for (const c of input.chunks) {
    if (seen.has(c.seq)) throw new AppError('BAD_REQUEST', `Chunk seq ${c.seq} appears twice in one request.`);
    seen.add(c.seq);
  }
  return withLease(db, input, async (tx, job) => {
    const firstSeq = job.logClaimFirstSeq ?? 0;
    const earlier = input.chunks.filter((c) => c.seq < firstSeq);
    if (earlier.length) {
      const stored = await tx
        .select({ seq: jobLogs.seq, offset: jobLogs.offset, data: jobLogs.data })
        .from(jobLogs)
        .where(and(eq(jobLogs.jobId, job.id), inArray(jobLogs.seq, earlier.map((c) => c.seq))));
      const bySeq = new Map(stored.map((r) => [r.seq, r]));
      const clash = earlier.find((c) => {
        const r = bySeq.get(c.seq);
        return !r || r.offset !== c.offset || r.data !== c.data;
      });
      if (clash) {
        throw new AppError(
          'CONFLICT',
          `Log chunk seq ${clash.seq} belongs to an earlier claim of this job; this claim's log starts at seq ${firstSeq} (logNextSeq).`,
        );
      }
    }
    // After the earlier-claim check: a chunk from another claim is a conflict first, whatever its offset.
    checkRequestOffsets(input.chunks);
    const fresh = input.chunks.filter((c) => c.seq >= firstSeq);
    await checkStoredOffsets(tx, job.id, fresh);
    if (fresh.length) {
      await tx
        .insert(jobLogs)
        .values(fresh.map((c) => ({ jobId: job.id, seq: c.seq, offset: c.offset, data: c.data, stepIndex: c.stepIndex ?? null })))
        .onConflictDoUpdate({
          target: [jobLogs.jobId, jobLogs.seq],
          set: { offset: sql`excluded.offset`, data: sql`excluded.data`, stepIndex: sql`excluded.step_index`, receivedAt: sql`now()` },
        });
    }
    return { accepted: input.chunks.length, cancelRequested: job.cancelRequestedAt !== null };
  });
}
