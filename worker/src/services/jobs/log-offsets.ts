/**
 * @module
 * Log chunk offsets must describe one contiguous byte stream: chunk `seq` starts exactly where
 * `seq - 1` ends (its offset plus the UTF-8 length of its data), and seq 0 starts at byte 0. An
 * offset that overlaps, goes backwards or leaves a gap against a neighbour — in the same request
 * (400) or already stored (409) — is refused, so the admin's byte positions and the finish
 * digest always agree. A neighbour that is missing (a hole an earlier claim left, or a chunk
 * still to be resent) cannot be checked against and is not required.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { jobLogs } from '../../db/schema';
import type { LogChunk } from '../../contracts';
import { AppError } from '../../errors';

/** UTF-8 byte length of a (storable, so well-formed) string without allocating the bytes. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += 3;
  }
  return n;
}

interface Span {
  seq: number;
  offset: number;
  end: number;
}

function spanOf(c: LogChunk): Span {
  return { seq: c.seq, offset: c.offset, end: c.offset + utf8Length(c.data) };
}

function mismatch(prev: Span, next: Span): string {
  const how = next.offset < prev.end ? 'overlaps it' : 'leaves a gap after it';
  return `Chunk seq ${next.seq} starts at byte ${next.offset}, but seq ${prev.seq} ends at byte ${prev.end} (its offset plus the UTF-8 length of its data): it ${how}.`;
}

/** Checks the request's own chunks against each other; 400 on the first contradiction. */
export function checkRequestOffsets(chunks: LogChunk[]): void {
  const spans = chunks.map(spanOf).sort((a, b) => a.seq - b.seq);
  for (const [i, s] of spans.entries()) {
    if (s.seq === 0 && s.offset !== 0) throw new AppError('BAD_REQUEST', `Chunk seq 0 starts at byte ${s.offset}; a job's log starts at byte 0.`);
    const prev = spans[i - 1];
    if (prev && prev.seq === s.seq - 1 && prev.end !== s.offset) throw new AppError('BAD_REQUEST', mismatch(prev, s));
  }
}

/** Checks the chunks against the stored neighbours they do not replace; 409 on a contradiction. */
export async function checkStoredOffsets(tx: Tx, jobId: string, chunks: LogChunk[]): Promise<void> {
  if (!chunks.length) return;
  const mine = new Map(chunks.map((c) => [c.seq, spanOf(c)]));
  const neighbours = new Set<number>();
  for (const seq of mine.keys()) {
    if (seq > 0 && !mine.has(seq - 1)) neighbours.add(seq - 1);
    if (!mine.has(seq + 1)) neighbours.add(seq + 1);
  }
  const stored = await tx
    .select({ seq: jobLogs.seq, offset: jobLogs.offset, end: sql<string>`${jobLogs.offset} + octet_length(${jobLogs.data})` })
    .from(jobLogs)
    .where(and(eq(jobLogs.jobId, jobId), inArray(jobLogs.seq, [...neighbours])));
  for (const row of stored) {
    const s: Span = { seq: row.seq, offset: Number(row.offset), end: Number(row.end) };
    const after = mine.get(s.seq + 1);
    if (after && after.offset !== s.end) throw new AppError('CONFLICT', mismatch(s, after));
    const before = mine.get(s.seq - 1);
    if (before && before.end !== s.offset) throw new AppError('CONFLICT', mismatch(before, s));
  }
}
