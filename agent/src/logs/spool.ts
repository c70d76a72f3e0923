/**
 * @module
 * The on-disk log spool: every job log chunk is written here (already redacted) before any
 * upload is attempted, so a worker outage or an agent restart loses nothing.
 *
 * Per job directory: `log.bin` (append-only bytes) and `index.jsonl` (one `{seq, offset, size}`
 * line per chunk, appended after the bytes). Both are fsync'd once per chunk — a chunk is a batch
 * of lines (≤ 1 s or ≤ 256 KiB), so that is the batching of fsyncs. `index.jsonl` is the truth:
 * on reopen, a torn last index line is dropped and `log.bin` is truncated to the last indexed
 * byte. `acked.json` remembers what the worker confirmed; losing it only causes harmless resends
 * (uploads are idempotent per seq).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolChunk {
  readonly seq: number;
  readonly offset: number;
  readonly size: number;
  /** The step that wrote it (undefined: job-level lines). */
  readonly stepIndex?: number;
}

export class LogSpool {
  #chunks: SpoolChunk[] = [];
  #acked = new Set<number>();
  #log!: FileHandle;
  #index!: FileHandle;
  #bytes = 0;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {}

  /** Opens (creating or recovering) the spool in `dir`. */
  static async open(dir: string): Promise<LogSpool> {
    const s = new LogSpool(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await s.#recover();
    return s;
  }

  async #recover(): Promise<void> {
    const indexPath = join(this.dir, 'index.jsonl');
    let text = '';
    try {
      text = await readFile(indexPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const good: string[] = [];
    let expectOffset = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      let c: SpoolChunk;
      try {
        c = JSON.parse(line) as SpoolChunk;
      } catch {
        break; // torn write at the tail: everything after it is unusable
      }
      if (c.seq !== this.#chunks.length || c.offset !== expectOffset || !(c.size > 0)) break;
      this.#chunks.push({ seq: c.seq, offset: c.offset, size: c.size, ...(typeof c.stepIndex === 'number' ? { stepIndex: c.stepIndex } : {}) });
      good.push(line);
      expectOffset += c.size;
    }
    this.#log = await open(join(this.dir, 'log.bin'), 'a+', 0o600);
    const st = await this.#log.stat();
    if (st.size < expectOffset) {
      // Index claims bytes the log does not have (should not happen with fsync order): drop them.
      while (this.#chunks.length && (this.#chunks.at(-1) as SpoolChunk).offset + (this.#chunks.at(-1) as SpoolChunk).size > st.size) {
        this.#chunks.pop();
        good.pop();
      }
      expectOffset = this.#chunks.reduce((n, c) => n + c.size, 0);
    }
    if (st.size !== expectOffset) await this.#log.truncate(expectOffset);
    this.#bytes = expectOffset;
    await writeFile(indexPath, good.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    this.#index = await open(indexPath, 'a', 0o600);
    try {
      const acked = JSON.parse(await readFile(join(this.dir, 'acked.json'), 'utf8')) as { seqs?: number[] };
      for (const n of acked.seqs ?? []) if (n < this.#chunks.length) this.#acked.add(n);
    } catch {
      /* no or unreadable ack file: everything gets resent, which is safe */
    }
  }

  /** Serialises writes so offsets stay contiguous even if callers do not await. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  /** Appends one chunk (bytes first, fsync, then its index line, fsync). */
  append(data: Uint8Array, stepIndex?: number): Promise<SpoolChunk> {
    return this.#serial(async () => {
      if (this.#closed) throw new Error('spool closed');
      if (data.byteLength === 0) throw new RangeError('empty chunk');
      const chunk: SpoolChunk = {
        seq: this.#chunks.length,
        offset: this.#bytes,
        size: data.byteLength,
        ...(stepIndex !== undefined ? { stepIndex } : {}),
      };
      await this.#log.write(data, 0, data.byteLength, null);
      await this.#log.datasync();
      await this.#index.write(`${JSON.stringify(chunk)}\n`);
      await this.#index.datasync();
      this.#chunks.push(chunk);
      this.#bytes += chunk.size;
      return chunk;
    });
  }

  async read(chunk: SpoolChunk): Promise<Buffer> {
    const buf = Buffer.alloc(chunk.size);
    const { bytesRead } = await this.#log.read(buf, 0, chunk.size, chunk.offset);
    if (bytesRead !== chunk.size) throw new Error(`spool short read at seq ${chunk.seq}`);
    return buf;
  }

  get chunks(): readonly SpoolChunk[] {
    return this.#chunks;
  }
  get totalBytes(): number {
    return this.#bytes;
  }
  /** Last seq written, or -1 when empty. */
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
    await writeFile(join(this.dir, 'acked.json'), JSON.stringify({ seqs: [...this.#acked].sort((a, b) => a - b) }), { mode: 0o600 });
  }

  /** The server said these are missing: forget our acks so they upload again. */
  async markMissing(seqs: Iterable<number>): Promise<void> {
    for (const s of seqs) this.#acked.delete(s);
    await this.markAcked([]);
  }

  /** sha256 (hex) of all spooled bytes, for the finish call's integrity check. */
  sha256(): Promise<string> {
    return this.#serial(async () => {
      const h = createHash('sha256');
      const buf = Buffer.alloc(1024 * 1024);
      for (let pos = 0; pos < this.#bytes; ) {
        const { bytesRead } = await this.#log.read(buf, 0, Math.min(buf.length, this.#bytes - pos), pos);
        if (bytesRead === 0) break;
        h.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
      }
      return h.digest('hex');
    });
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.#log.close();
      await this.#index.close();
    });
  }

  /** Removes the spool directory (after the worker confirmed the whole log). */
  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
