/**
 * A spool that starts mid-log (a claim's logNextSeq/logNextOffset): numbering, recovery, the
 * claim-range digest, and openAt keeping an agreeing spool or starting afresh.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogSpool } from '../../src/logs/spool';

const tmp = () => mkdtemp(join(tmpdir(), 'spool-base-'));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('spool with a base', () => {
  it('numbers chunks from the claim start and keeps that start across a reopen', async () => {
    const dir = await tmp();
    const s = await LogSpool.open(dir, 1000, { seq: 10, offset: 300 });
    expect(s.lastSeq).toBe(9);
    expect(await s.digestFrom(10)).toEqual({ bytes: 0, sha256: sha('') });
    expect(await s.append(Buffer.from('one\n'))).toEqual({ seq: 10, offset: 300, size: 4 });
    await s.append(Buffer.from('two\n'), 2);
    await s.markAcked([10]);
    s.write(Buffer.from('three\n')); // killed before the seal
    await s.close();

    const r = await LogSpool.open(dir, 1000, { seq: 0, offset: 0 }); // an existing spool keeps its base
    expect(r.base).toEqual({ seq: 10, offset: 300 });
    expect(r.chunks).toEqual([
      { seq: 10, offset: 300, size: 4 },
      { seq: 11, offset: 304, size: 4, stepIndex: 2 },
      { seq: 12, offset: 308, size: 6 },
    ]);
    expect(r.unacked().map((c) => c.seq)).toEqual([11, 12]);
    expect((await r.read(r.chunks[2]!)).toString()).toBe('three\n');
    expect(r.offsetOf(13)).toBe(314);
    expect(await r.digestFrom(10)).toEqual({ bytes: 14, sha256: sha('one\ntwo\nthree\n') });
    expect(await r.digestFrom(11)).toEqual({ bytes: 10, sha256: sha('two\nthree\n') });
    expect(await r.sha256()).toBe(sha('one\ntwo\nthree\n'));
    await r.close();
  });

  it('openAt keeps its own spool when the numbering agrees; the worker decides what is unsent', async () => {
    const dir = await tmp();
    const s = await LogSpool.open(dir);
    for (const l of ['a\n', 'b\n', 'c\n', 'd\n']) await s.append(Buffer.from(l));
    await s.markAcked([0, 1, 2, 3]);
    await s.close();
    // The worker stored seqs 0 and 1 only (the acks of 2 and 3 were a lie, or the DB lost them).
    const r = await LogSpool.openAt(dir, 1000, { seq: 2, offset: 4 });
    expect(r.base).toEqual({ seq: 0, offset: 0 });
    expect(r.unacked().map((c) => c.seq)).toEqual([2, 3]);
    expect(await r.digestFrom(2)).toEqual({ bytes: 4, sha256: sha('c\nd\n') });
    expect((await r.append(Buffer.from('e\n'))).seq).toBe(4);
    await r.close();
    // Chunks before the claim start count as sent, even if this spool never heard so.
    await writeFile(join(dir, 'acked.json'), '{}');
    const q = await LogSpool.openAt(dir, 1000, { seq: 2, offset: 4 });
    expect(q.unacked().map((c) => c.seq)).toEqual([2, 3, 4]);
    await q.close();
  });

  it('openAt starts afresh when another agent logged to the job since (or offsets disagree)', async () => {
    const dir = await tmp();
    const s = await LogSpool.open(dir);
    for (const l of ['a\n', 'b\n']) await s.append(Buffer.from(l));
    await s.close();
    const far = await LogSpool.openAt(dir, 1000, { seq: 7, offset: 40 });
    expect(far.base).toEqual({ seq: 7, offset: 40 });
    expect(far.chunks).toEqual([]);
    expect(await readFile(join(dir, 'base.json'), 'utf8')).toBe('{"seq":7,"offset":40}');
    await far.append(Buffer.from('x\n'));
    await far.close();
    // Same seq as the spool's next, but a different byte offset: not the same log.
    const odd = await LogSpool.openAt(dir, 1000, { seq: 8, offset: 99 });
    expect(odd.base).toEqual({ seq: 8, offset: 99 });
    expect(odd.chunks).toEqual([]);
    await odd.close();
  });
});
