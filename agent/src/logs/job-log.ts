/**
 * @module
 * A job's log as the runner sees it: lines in, redacted, appended to the disk spool at once, and
 * sealed into chunks (≤ `flushMs` or ≤ `chunkBytes`), each handed to `onChunk` (the uploader).
 * In `exec` mode there is no spool and lines go straight to the terminal (still redacted).
 */
import { StringDecoder } from 'node:string_decoder';
import { looksBinary, printableText } from './printable';
import { LineAssembler, type Redactor } from './redact';
import { jsonCost, type LogSpool, type SpoolChunk } from './spool';

/** Default chunk budget: 256 KiB request cap minus room for the JSON envelope. */
export const DEFAULT_CHUNK_BUDGET = 252 * 1024;

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
  #pendingCost = 0;
  #timer: NodeJS.Timeout | undefined;
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
    this.#seal();
    this.#step = index;
  }

  /** Writes one line (any embedded newlines split it). */
  line(text: string): void {
    for (const l of text.split(/\r?\n/)) this.#write(this.redactor.redactLine(l));
  }

  /**
   * A line assembler for a child's stdout/stderr; call `end()` when the stream closes. `take` sees
   * each (redacted) line first and keeps it out of the log by returning true — a tool's progress
   * lines are figures for the progress bar, not log lines.
   */
  stream(prefix = '', take?: (line: string) => boolean): LineAssembler {
    return new LineAssembler(this.redactor, (l) => take?.(l) || this.#write(prefix + l));
  }

  /**
   * A sink for a child's raw output bytes: decoded as UTF-8 across chunk boundaries, redacted,
   * split into lines — unless a chunk looks binary, which is counted and summarised in one line
   * at the end instead of ever reaching the log.
   */
  output(prefix = '', take?: (line: string) => boolean): { push(chunk: Buffer): void; end(): void } {
    const lines = this.stream(prefix, take);
    const decoder = new StringDecoder('utf8');
    let binaryBytes = 0;
    return {
      push: (chunk) => {
        if (binaryBytes > 0 || looksBinary(chunk)) binaryBytes += chunk.length;
        else lines.push(decoder.write(chunk));
      },
      end: () => {
        lines.push(decoder.end());
        lines.end();
        if (binaryBytes > 0) this.line(`${prefix}[${binaryBytes} bytes of binary output not logged]`);
      },
    };
  }

  #write(line: string): void {
    // NUL and lone surrogates can be neither stored nor read: escape them here, once, for
    // every line whatever wrote it.
    const redacted = printableText(line);
    this.#lines++;
    this.opts.sink?.onLine?.(redacted);
    const spool = this.opts.spool;
    if (!spool || this.#error) return;
    const max = this.opts.chunkBytes ?? DEFAULT_CHUNK_BUDGET;
    // Budget by the JSON-escaped size: the chunk travels as a JSON string in a body capped at
    // 256 KiB, and control characters or quotes can grow when escaped.
    let text = `${redacted}\n`;
    let cost = jsonCost(text);
    if (cost > max) {
      text = `${redacted.slice(0, Math.floor(max / 8))} [line truncated]\n`;
      cost = jsonCost(text);
    }
    if (this.#pendingCost + cost > max && this.#pendingCost > 0) this.#seal();
    try {
      // On disk (page cache) before this returns: a kill -9 right after loses nothing.
      spool.write(Buffer.from(text, 'utf8'));
    } catch (err) {
      this.#error ??= err as Error;
      return;
    }
    this.#pendingCost += cost;
    if (this.#pendingCost >= max) this.#seal();
    else this.#timer ??= setTimeout(() => this.#seal(), this.opts.flushMs ?? 1000);
  }

  #seal(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pendingCost = 0;
    const spool = this.opts.spool;
    if (!spool || this.#error) return;
    try {
      const chunk = spool.seal(this.#step);
      if (chunk) this.opts.sink?.onChunk?.(chunk);
    } catch (err) {
      this.#error ??= err as Error;
    }
  }

  /** Seals pending lines into a chunk; rejects if spooling ever failed (disk full…). */
  async flush(): Promise<void> {
    this.#seal();
    if (this.#error) throw this.#error;
  }
}
