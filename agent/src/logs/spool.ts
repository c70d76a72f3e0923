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

export class LogSpool {
  #chunks: SpoolChunk[] = [];
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

  /** Opens (creating or recovering) the spool in `dir`. */
  static async open(dir: string, chunkBudget = 252 * 1024): Promise<LogSpool> {
    const s = new LogSpool(dir, chunkBudget);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    s.#recover();
    return s;
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
      for (const n of acked.seqs ?? []) if (n < this.#chunks.length) this.#acked.add(n);
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
    return chunk;
  }

  /** write + seal: one chunk. */
  async append(data: Uint8Array, stepIndex?: number): Promise<SpoolChunk> {
    if (data.byteLength === 0) throw new RangeError('empty chunk');
    if (this.pendingBytes > 0) this.seal();
    this.write(data);
    return this.seal(stepIndex) as SpoolChunk;
  }

  async read(chunk: SpoolChunk): Promise<Buffer> {
    const buf = Buffer.alloc(chunk.size);
    const n = readSync(this.#log, buf, 0, chunk.size, chunk.offset);
    if (n !== chunk.size) throw new Error(`spool short read at seq ${chunk.seq}`);
    return buf;
  }

  get chunks(): readonly SpoolChunk[] {
    return this.#chunks;
  }
  /** Bytes in sealed chunks. */
  get totalBytes(): number {
    return this.#sealed;
  }
  /** Last sealed seq, or -1 when empty. */
  get lastSeq(): number {
    return this.#chunks.length - 1;
  }

  unacked(): SpoolChunk[] {
    return this.#chunks.filter((c) => !this.#acked.has(c.seq));
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

  /** sha256 (hex) of all sealed bytes, for the finish call's integrity check. */
  async sha256(): Promise<string> {
    const h = createHash('sha256');
    const buf = Buffer.alloc(1024 * 1024);
    for (let pos = 0; pos < this.#sealed; ) {
      const n = readSync(this.#log, buf, 0, Math.min(buf.length, this.#sealed - pos), pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
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
