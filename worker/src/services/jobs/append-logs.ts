/** @module Log chunk ingestion: idempotent upsert on (job, seq); a resend overwrites itself. */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobLogs } from '../../db/schema';
import type { LogChunk, LogsResponse } from '../../contracts';
import { AppError } from '../../errors';
import { withLease } from './lease';

export async function appendLogs(
  db: DbOrTx,
  input: { jobId: string; agentId: string; leaseToken: string; chunks: LogChunk[] },
): Promise<LogsResponse> {
  const seen = new Set<number>();
  for (const c of input.chunks) {
    if (seen.has(c.seq)) throw new AppError('BAD_REQUEST', `Chunk seq ${c.seq} appears twice in one request.`);
    seen.add(c.seq);
    // Postgres text cannot hold NUL; the agent escapes it before sending.
    if (c.data.includes('\u0000')) throw new AppError('BAD_REQUEST', `Chunk seq ${c.seq} contains a NUL character.`);
  }
  return withLease(db, input, async (tx, job) => {
    await tx
      .insert(jobLogs)
      .values(input.chunks.map((c) => ({ jobId: job.id, seq: c.seq, offset: c.offset, data: c.data, stepIndex: c.stepIndex ?? null })))
      .onConflictDoUpdate({
        target: [jobLogs.jobId, jobLogs.seq],
        set: { offset: sql`excluded.offset`, data: sql`excluded.data`, stepIndex: sql`excluded.step_index`, receivedAt: sql`now()` },
      });
    return { accepted: input.chunks.length, cancelRequested: job.cancelRequestedAt !== null };
  });
}
