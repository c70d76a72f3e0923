import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogChunk } from '../../../worker/src/contracts/agent-protocol';
import { Backoff } from '../../src/backoff';
import { LeaseLostError, TransientError } from '../../src/client';
import { JobLog } from '../../src/logs/job-log';
import { Redactor } from '../../src/logs/redact';
import { LogSpool } from '../../src/logs/spool';
import { LogUploader } from '../../src/logs/uploader';

const tmp = () => mkdtemp(join(tmpdir(), 'spool-'));

describe('log spool', () => {
  it('appends chunks with contiguous seq/offset and a whole-log sha256', async () => {
    const s = await LogSpool.open(await tmp());
    await s.append(Buffer.from('one\n'));
    await s.append(Buffer.from('two\nthree\n'), 1);
    expect(s.chunks).toEqual([
      { seq: 0, offset: 0, size: 4 },
      { seq: 1, offset: 4, size: 10, stepIndex: 1 },
    ]);
    expect(await s.sha256()).toBe(createHash('sha256').update('one\ntwo\nthree\n').digest('hex'));
    expect((await s.read(s.chunks[1]!)).toString()).toBe('two\nthree\n');
    await s.close();
  });

  it('recovers after a crash: torn index dropped, unsealed complete lines kept as a chunk, partial line cut', async () => {
    const dir = await tmp();
    const s = await LogSpool.open(dir);
    await s.append(Buffer.from('a\n'));
    await s.append(Buffer.from('b\n'));
    await s.markAcked([0]);
    // Simulate a kill -9: lines written but never sealed, a torn index line, a half-written line.
    s.write(Buffer.from('c\nd\n'));
    await s.close();
    await appendFile(join(dir, 'index.jsonl'), '{"seq":2,"off');
    await appendFile(join(dir, 'log.bin'), 'partial li');
    const r = await LogSpool.open(dir);
    expect(r.chunks).toEqual([
      { seq: 0, offset: 0, size: 2 },
      { seq: 1, offset: 2, size: 2 },
      { seq: 2, offset: 4, size: 4 },
    ]);
    expect(r.totalBytes).toBe(8);
    expect((await stat(join(dir, 'log.bin'))).size).toBe(8);
    expect(r.unacked().map((c) => c.seq)).toEqual([1, 2]);
    const c = await r.append(Buffer.from('e\n'));
    expect(c).toEqual({ seq: 3, offset: 8, size: 2 });
    expect(await readFile(join(dir, 'log.bin'), 'utf8')).toBe('a\nb\nc\nd\ne\n');
    await r.close();
  });

  it('splits a large recovered tail into chunks within the budget', async () => {
    const dir = await tmp();
    const s = await LogSpool.open(dir, 1000);
    for (let i = 0; i < 50; i++) s.write(Buffer.from(`${String(i).padStart(3, '0')} ${'z'.repeat(95)}\n`));
    await s.close();
    const r = await LogSpool.open(dir, 1000);
    expect(r.totalBytes).toBe(5000);
    expect(r.chunks.length).toBeGreaterThanOrEqual(5);
    for (const ch of r.chunks) expect(ch.size).toBeLessThanOrEqual(1000);
    await r.close();
  });

  it('batches lines by time and size, and redacts before anything is written', async () => {
    const s = await LogSpool.open(await tmp());
    const log = new JobLog({ redactor: new Redactor(['TOPSECRET']), spool: s, flushMs: 10_000, chunkBytes: 1024 });
    for (let i = 0; i < 100; i++) log.line(`line ${i} TOPSECRET ${'x'.repeat(20)}`);
    await log.flush();
    expect(s.chunks.length).toBeGreaterThan(1);
    for (const c of s.chunks) expect(c.size).toBeLessThanOrEqual(1024);
    const all = (await Promise.all(s.chunks.map((c) => s.read(c)))).map(String).join('');
    expect(all.split('\n').filter(Boolean)).toHaveLength(100);
    expect(all).not.toContain('TOPSECRET');
    await s.close();
  });
});

describe('log uploader', () => {
  const fast = () => new Backoff(1, 5, () => 0.5);

  it('retries through an outage and resends what the server reports missing', async () => {
    const s = await LogSpool.open(await tmp());
    for (let i = 0; i < 5; i++) await s.append(Buffer.from(`chunk ${i}\n`));
    const received = new Map<number, LogChunk>();
    let failures = 3;
    const up = new LogUploader({
      spool: s,
      backoff: fast(),
      send: async (chunks) => {
        if (failures-- > 0) throw new TransientError('worker down', 503, 'DB_UNAVAILABLE');
        for (const c of chunks) if (c.seq !== 2 || received.has(-1)) received.set(c.seq, c);
        received.set(-1, chunks[0]!); // drop seq 2 the first time only
        return { accepted: chunks.length, cancelRequested: false };
      },
    });
    up.notify();
    expect(await up.drain()).toBe(true);
    expect([...received.keys()].filter((k) => k >= 0).sort()).toEqual([0, 1, 3, 4]);
    // The server's finish answer names seq 2 as missing: resend it.
    await s.markMissing([2]);
    up.notify();
    expect(await up.drain()).toBe(true);
    expect(received.get(2)).toMatchObject({ seq: 2, offset: 16, data: 'chunk 2\n' });
    await s.close();
  });

  it('many drains on one long-lived signal leave no listeners behind (no MaxListenersExceededWarning)', async () => {
    const { EventEmitter } = await import('node:events');
    const getEventListeners = (t: EventTarget, n: string) => (EventEmitter as unknown as { getEventListeners(t: EventTarget, n: string): unknown[] }).getEventListeners(t, n);
    const s = await LogSpool.open(await tmp());
    const up = new LogUploader({ spool: s, backoff: fast(), send: async (chunks) => ({ accepted: chunks.length, cancelRequested: false }) });
    const jobSignal = new AbortController().signal;
    for (let round = 0; round < 50; round++) {
      await s.append(Buffer.from(`round ${round}\n`));
      up.notify();
      expect(await up.drain(jobSignal)).toBe(true);
    }
    expect(getEventListeners(jobSignal, 'abort')).toHaveLength(0);
    await s.close();
  });

  it('splits requests at 256 KiB and stops on a lost lease', async () => {
    const s = await LogSpool.open(await tmp());
    for (let i = 0; i < 6; i++) await s.append(Buffer.from(`${'y'.repeat(100 * 1024)}\n`));
    const sizes: number[] = [];
    const up = new LogUploader({
      spool: s,
      backoff: fast(),
      send: async (chunks) => {
        sizes.push(Buffer.byteLength(JSON.stringify({ leaseToken: 'x'.repeat(40), chunks })));
        if (sizes.length === 2) throw new LeaseLostError('lost', 409, 'LEASE_LOST');
        return { accepted: chunks.length, cancelRequested: false };
      },
    });
    up.notify();
    expect(await up.drain()).toBe(false);
    expect(up.stopped).toBeInstanceOf(LeaseLostError);
    for (const n of sizes) expect(n).toBeLessThanOrEqual(256 * 1024);
    expect(s.unacked().length).toBe(4);
    await s.close();
  });
});
