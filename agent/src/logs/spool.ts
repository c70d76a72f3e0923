/**
 * @module
 * The on-disk log spool: every job log line is appended here (already redacted) the moment it is
 * written — before any upload is attempted — so a worker outage, a crash or a `kill -9` of the
 * agent loses nothing (the bytes are in the kernel's page cache as soon as `write` returns).
 *
 * Per job directory: `log.bin` (append-only bytes) and `index.jsonl` (one `{seq, offset, size,
 * stepIndex?}` line per chunk). A chunk is sealed at most every second or every ~256 KiB; sealing
 * fsyncs the bytes, then appends and fsyncs the index line — those are the batched fsyncs. On
 * reopen, a torn index line is dropped, complete lines written after the last seal become new
 * chunks, and a trailing partial line is cut. `acked.json` remembers what the worker confirmed;
 * losing it only causes harmless resends (uploads are idempotent per seq).
 *
 * A spool need not start at the job's seq 0: when this agent takes over a job another agent
 * logged to, the claim says where the job's log continues (logNextSeq/logNextOffset) and the
 * spool starts there. `base.json` holds that start; the index and `log.bin` stay local (first
 * chunk at seq 0, byte 0) and every seq/offset the spool hands out is shifted by the base.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SpoolChunk {
  readonly seq: number;
  readonly offset: number;
  readonly size: number;
  /** The step that wrote it (undefined: job-level lines). */
  readonly stepIndex?: number;
}

/** JSON-escaped size of a text (what it costs inside a JSON request body). */
export function jsonCost(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** Where a spool's first chunk sits in the job's whole log. */
export interface LogPosition {
  readonly seq: number;
  readonly offset: number;
}

export class LogSpool {
  /** Local chunks: seq from 0, offset into log.bin. */
  #chunks: SpoolChunk[] = [];
  #base: LogPosition = { seq: 0, offset: 0 };
  #acked = new Set<number>();
  #log = -1;
  #index = -1;
  /** Bytes sealed into chunks. */
  #sealed = 0;
  /** Bytes written (sealed + pending). */
  #written = 0;
  #closed = false;

  private constructor(
    readonly dir: string,
    private readonly chunkBudget: number,
  ) {}

  /**
   * Opens (creating or recovering) the spool in `dir`. A new spool starts at `start`; an
   * existing one keeps the start it was created with.
   */
  static async open(dir: string, chunkBudget = 252 * 1024, start: LogPosition = { seq: 0, offset: 0 }): Promise<LogSpool> {
    const s = new LogSpool(dir, chunkBudget);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    s.#readBase(start);
    s.#recover();
    return s;
  }

  /**
   * Opens the spool for a claim whose log continues at `start`. A spool left by an earlier run
   * of this agent is kept when its numbering agrees (it holds `start`, at the same byte offset)
   * — its unsent lines then go up under this claim; otherwise (another agent logged to the
   * job since) it is discarded and a fresh spool starts at `start`. The worker's view wins:
   * chunks from `start` on are marked unsent (it has none of them), those before it sent (they
   * belong to earlier claims, which the worker will not let this claim change).
   */
  static async openAt(dir: string, chunkBudget: number, start: LogPosition): Promise<LogSpool> {
    const s = await LogSpool.open(dir, chunkBudget, start);
    if (s.offsetOf(start.seq) === start.offset) {
      const seqs = s.chunks.map((c) => c.seq);
      for (const seq of seqs) if (seq >= start.seq) s.#acked.delete(seq);
      await s.markAcked(seqs.filter((seq) => seq < start.seq));
      return s;
    }
    await s.destroy();
    return LogSpool.open(dir, chunkBudget, start);
  }

  #readBase(start: LogPosition): void {
    const path = join(this.dir, 'base.json');
    try {
      const b = JSON.parse(readFileSync(path, 'utf8')) as Partial<LogPosition>;
      if (Number.isSafeInteger(b.seq) && Number.isSafeInteger(b.offset) && b.seq! >= 0 && b.offset! >= 0) {
        this.#base = { seq: b.seq!, offset: b.offset! };
        return;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // A spool from before bases existed has an index but no base.json: it starts at 0.
    let legacy = false;
    try {
      legacy = readFileSync(join(this.dir, 'index.jsonl')).length > 0;
    } catch {
      /* new spool */
    }
    this.#base = legacy ? { seq: 0, offset: 0 } : { seq: start.seq, offset: start.offset };
    writeFileSync(path, JSON.stringify(this.#base), { mode: 0o600 });
  }

  /** Where this spool starts in the job's log. */
  get base(): LogPosition {
    return this.#base;
  }
  /** The seq the next sealed chunk gets. */
  get nextSeq(): number {
    return this.#base.seq + this.#chunks.length;
  }
  /** Job-log byte offset of `seq` (of the next chunk when seq = nextSeq); undefined outside. */
  offsetOf(seq: number): number | undefined {
    if (seq === this.nextSeq) return this.#base.offset + this.#sealed;
    const c = this.#chunks[seq - this.#base.seq];
    return c ? this.#base.offset + c.offset : undefined;
  }

  #toJob(c: SpoolChunk): SpoolChunk {
    return { ...c, seq: c.seq + this.#base.seq, offset: c.offset + this.#base.offset };
  }

  #recover(): void {
    const indexPath = join(this.dir, 'index.jsonl');
    let text = '';
    try {
      text = readFileSync(indexPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.#log = openSync(join(this.dir, 'log.bin'), 'a+', 0o600);
    const size = fstatSync(this.#log).size;
    const good: string[] = [];
    let offset = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      let c: SpoolChunk;
      try {
        c = JSON.parse(line) as SpoolChunk;
      } catch {
        break; // torn write at the tail: nothing after it is trusted
      }
      if (c.seq !== this.#chunks.length || c.offset !== offset || !(c.size > 0) || offset + c.size > size) break;
      this.#chunks.push({ seq: c.seq, offset: c.offset, size: c.size, ...(typeof c.stepIndex === 'number' ? { stepIndex: c.stepIndex } : {}) });
      good.push(line);
      offset += c.size;
    }
    this.#sealed = this.#written = offset;
    writeFileSync(indexPath, good.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    this.#index = openSync(indexPath, 'a', 0o600);

    // Lines written after the last seal (crash/kill): keep complete lines, cut a partial one.
    if (size > offset) {
      const tail = Buffer.alloc(size - offset);
      readSync(this.#log, tail, 0, tail.length, offset);
      const end = tail.lastIndexOf(0x0a) + 1;
      ftruncateSync(this.#log, offset + end);
      let start = 0;
      let cost = 0;
      for (let i = 0; i < end; ) {
        const nl = tail.indexOf(0x0a, i) + 1;
        const c = jsonCost(tail.subarray(i, nl).toString('utf8'));
        if (cost + c > this.chunkBudget && i > start) {
          this.#written = offset + i;
          this.seal();
          start = i;
          cost = 0;
        }
        cost += c;
        i = nl;
      }
      this.#written = offset + end;
      this.seal();
    }
    try {
      const acked = JSON.parse(readFileSync(join(this.dir, 'acked.json'), 'utf8')) as { seqs?: number[] };
      for (const n of acked.seqs ?? []) if (n >= this.#base.seq && n < this.nextSeq) this.#acked.add(n);
    } catch {
      /* no or unreadable ack file: everything gets resent, which is safe */
    }
  }

  /** Appends bytes (whole lines) to the log at once; they join the next sealed chunk. */
  write(data: Uint8Array): void {
    if (this.#closed) throw new Error('spool closed');
    let done = 0;
    while (done < data.byteLength) done += writeSync(this.#log, data, done, data.byteLength - done);
    this.#written += data.byteLength;
  }

  /** Bytes written since the last seal. */
  get pendingBytes(): number {
    return this.#written - this.#sealed;
  }

  /** Turns the pending bytes into the next chunk: fsync bytes, then index line, fsync. */
  seal(stepIndex?: number): SpoolChunk | undefined {
    if (this.#closed || this.#written === this.#sealed) return undefined;
    const chunk: SpoolChunk = {
      seq: this.#chunks.length,
      offset: this.#sealed,
      size: this.#written - this.#sealed,
      ...(stepIndex !== undefined ? { stepIndex } : {}),
    };
    fdatasyncSync(this.#log);
    writeSync(this.#index, `${JSON.stringify(chunk)}\n`);
    fdatasyncSync(this.#index);
    this.#chunks.push(chunk);
    this.#sealed = this.#written;
    return this.#toJob(chunk);
  }

  /** write + seal: one chunk. */
  async append(data: Uint8Array, stepIndex?: number): Promise<SpoolChunk> {
    if (data.byteLength === 0) throw new RangeError('empty chunk');
    if (this.pendingBytes > 0) this.seal();
    this.write(data);
    return this.seal(stepIndex) as SpoolChunk;
  }

  /** Reads a chunk as handed out by the spool (job-log seq/offset). */
  async read(chunk: SpoolChunk): Promise<Buffer> {
    const buf = Buffer.alloc(chunk.size);
    const n = readSync(this.#log, buf, 0, chunk.size, chunk.offset - this.#base.offset);
    if (n !== chunk.size) throw new Error(`spool short read at seq ${chunk.seq}`);
    return buf;
  }

  /** Sealed chunks, numbered in the job's log. */
  get chunks(): readonly SpoolChunk[] {
    return this.#chunks.map((c) => this.#toJob(c));
  }
  /** Bytes in sealed chunks (of this spool, not of the job's whole log). */
  get totalBytes(): number {
    return this.#sealed;
  }
  /** Last sealed seq; `base.seq - 1` (-1 for a spool from seq 0) when empty. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  unacked(): SpoolChunk[] {
    return this.chunks.filter((c) => !this.#acked.has(c.seq));
  }
  isAcked(seq: number): boolean {
    return this.#acked.has(seq);
  }

  async markAcked(seqs: Iterable<number>): Promise<void> {
    for (const s of seqs) this.#acked.add(s);
    if (this.#closed) return;
    writeFileSync(join(this.dir, 'acked.json'), JSON.stringify({ seqs: [...this.#acked].sort((a, b) => a - b) }), { mode: 0o600 });
  }

  /** The server said these are missing: forget our acks so they upload again. */
  async markMissing(seqs: Iterable<number>): Promise<void> {
    for (const s of seqs) this.#acked.delete(s);
    await this.markAcked([]);
  }

  /** sha256 (hex) of all sealed bytes. */
  async sha256(): Promise<string> {
    return (await this.digestFrom(this.#base.seq)).sha256;
  }

  /**
   * Byte count and sha256 (hex) of the sealed chunks from `seq` on — the finish call's
   * integrity check covers the claim's chunks, which may start after this spool's base.
   */
  async digestFrom(seq: number): Promise<{ bytes: number; sha256: string }> {
    const local = Math.max(0, seq - this.#base.seq);
    const from = local >= this.#chunks.length ? this.#sealed : this.#chunks[local]!.offset;
    const h = createHash('sha256');
    const buf = Buffer.alloc(1024 * 1024);
    for (let pos = from; pos < this.#sealed; ) {
      const n = readSync(this.#log, buf, 0, Math.min(buf.length, this.#sealed - pos), pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return { bytes: this.#sealed - from, sha256: h.digest('hex') };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#log);
    closeSync(this.#index);
  }

  /** Removes the spool directory (after the worker confirmed the whole log). */
  async destroy(): Promise<void> {
    await this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
