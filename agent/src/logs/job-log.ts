/**
 * @module
 * A job's log as the runner sees it: lines in, redacted, batched into chunks (≤ `flushMs` or
 * ≤ `chunkBytes`), each chunk spooled to disk and then handed to `onChunk` (the uploader).
 * In `exec` mode there is no spool and lines go straight to the terminal (still redacted).
 */
import { LineAssembler, type Redactor } from './redact';
import type { LogSpool, SpoolChunk } from './spool';

/** Default chunk budget: 256 KiB request cap minus room for the JSON envelope. */
export const DEFAULT_CHUNK_BUDGET = 252 * 1024;

function jsonCost(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

export interface JobLogSink {
  /** Called after a chunk is durably spooled. */
  onChunk?(chunk: SpoolChunk): void;
  /** Mirror of every (redacted) line, e.g. to the terminal. */
  onLine?(line: string): void;
}

export interface JobLogOptions {
  redactor: Redactor;
  spool?: LogSpool;
  sink?: JobLogSink;
  flushMs?: number;
  chunkBytes?: number;
}

export class JobLog {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #lines = 0;
  #error: Error | undefined;
  #step: number | undefined;
  readonly redactor: Redactor;

  constructor(private readonly opts: JobLogOptions) {
    this.redactor = opts.redactor;
  }

  get linesWritten(): number {
    return this.#lines;
  }

  /** Lines written from now on belong to this step (chunks never mix steps). */
  setStep(index: number | undefined): void {
    if (index === this.#step) return;
    this.#flushNow();
    this.#step = index;
  }

  /** Writes one line (any embedded newlines split it). */
  line(text: string): void {
    for (const l of text.split(/\r?\n/)) this.#write(this.redactor.redactLine(l));
  }

  /** A line assembler for a child's stdout/stderr; call `end()` when the stream closes. */
  stream(prefix = ''): LineAssembler {
    return new LineAssembler(this.redactor, (l) => this.#write(prefix + l));
  }

  #write(redacted: string): void {
    this.#lines++;
    this.opts.sink?.onLine?.(redacted);
    if (!this.opts.spool) return;
    const max = this.opts.chunkBytes ?? DEFAULT_CHUNK_BUDGET;
    // Budget by the JSON-escaped size: the chunk travels as a JSON string in a body capped at
    // 256 KiB, and control characters or quotes can grow when escaped.
    let text = `${redacted}\n`;
    let cost = jsonCost(text);
    if (cost > max) {
      text = `${redacted.slice(0, Math.floor(max / 8))} [line truncated]\n`;
      cost = jsonCost(text);
    }
    if (this.#pendingBytes + cost > max && this.#pendingBytes > 0) this.#flushNow();
    this.#pending.push(Buffer.from(text, 'utf8'));
    this.#pendingBytes += cost;
    if (this.#pendingBytes >= max) this.#flushNow();
    else this.#timer ??= setTimeout(() => this.#flushNow(), this.opts.flushMs ?? 1000);
  }

  #flushNow(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pendingBytes === 0 || !this.opts.spool) return;
    const data = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    const spool = this.opts.spool;
    const step = this.#step;
    this.#flushing = this.#flushing.then(async () => {
      try {
        const chunk = await spool.append(data, step);
        this.opts.sink?.onChunk?.(chunk);
      } catch (err) {
        this.#error ??= err as Error;
      }
    });
  }

  /** Flushes pending lines to the spool; rejects if spooling ever failed (disk full…). */
  async flush(): Promise<void> {
    this.#flushNow();
    await this.#flushing;
    if (this.#error) throw this.#error;
  }
}
