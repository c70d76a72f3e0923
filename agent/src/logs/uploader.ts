/**
 * @module
 * Uploads spooled log chunks in seq order, in requests of ≤ 256 KiB (and ≤ 1000 chunks), one
 * request in flight. Transient failures (worker down, 5xx) back off with jitter and retry —
 * the bytes are safe on disk meanwhile. A lost lease or a fatal error stops the uploader; the
 * caller learns why from {@link LogUploader.stopped}.
 */
import { MAX_LOG_REQUEST_BYTES, type LogChunk, type LogsResponse } from '../../../worker/src/contracts/agent-protocol';
import { Backoff, sleep } from '../backoff';
import { AgentApiError, TransientError } from '../client';
import type { LogSpool, SpoolChunk } from './spool';

export interface UploaderOptions {
  spool: LogSpool;
  send(chunks: LogChunk[]): Promise<LogsResponse>;
  backoff: Backoff;
  onCancelRequested?(): void;
  /** Called once when uploads stop for good (lease lost, fatal error). */
  onStopped?(err: AgentApiError): void;
  onRetry?(err: Error, delayMs: number): void;
}

const ENVELOPE = 200; // leaseToken + JSON punctuation
const PER_CHUNK = 80; // {"seq":…,"offset":…,"stepIndex":…,"data":""}

export class LogUploader {
  #running: Promise<void> | undefined;
  #again = false;
  #stopped: AgentApiError | undefined;
  #idle: Array<() => void> = [];
  readonly #abort = new AbortController();
  /** Number of chunks the worker accepted (including resends). */
  sentChunks = 0;

  constructor(private readonly o: UploaderOptions) {}

  get stopped(): AgentApiError | undefined {
    return this.#stopped;
  }

  /** New chunks were spooled (or some were marked missing): upload them soon. */
  notify(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pump().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#stopped) this.notify();
      else this.#wakeIdle();
    });
  }

  #wakeIdle() {
    const w = this.#idle;
    this.#idle = [];
    for (const f of w) f();
  }

  async #batch(): Promise<{ chunks: LogChunk[]; meta: SpoolChunk[] }> {
    const pending = this.o.spool.unacked();
    const chunks: LogChunk[] = [];
    const meta: SpoolChunk[] = [];
    let size = ENVELOPE;
    for (const c of pending) {
      const data = (await this.o.spool.read(c)).toString('utf8');
      const cost = Buffer.byteLength(JSON.stringify(data)) + PER_CHUNK;
      if (chunks.length > 0 && (size + cost > MAX_LOG_REQUEST_BYTES || chunks.length >= 1000)) break;
      chunks.push({ seq: c.seq, offset: c.offset, data, ...(c.stepIndex !== undefined ? { stepIndex: c.stepIndex } : {}) });
      meta.push(c);
      size += cost;
    }
    return { chunks, meta };
  }

  async #pump(): Promise<void> {
    do {
      this.#again = false;
      for (;;) {
        if (this.#stopped) return;
        const { chunks, meta } = await this.#batch();
        if (chunks.length === 0) break;
        try {
          const res = await this.o.send(chunks);
          this.o.backoff.reset();
          this.sentChunks += chunks.length;
          await this.o.spool.markAcked(meta.map((m) => m.seq));
          if (res.cancelRequested) this.o.onCancelRequested?.();
        } catch (err) {
          if (err instanceof TransientError) {
            const d = this.o.backoff.next();
            this.o.onRetry?.(err, d);
            await sleep(d, this.#abort.signal);
            continue;
          }
          this.#stopped = err instanceof AgentApiError ? err : new AgentApiError(String(err), 0, 'UPLOAD_FAILED');
          this.o.onStopped?.(this.#stopped);
          return;
        }
      }
    } while (this.#again);
  }

  /** Resolves when every spooled chunk is acked, or uploads stopped, or `signal` aborts. */
  async drain(signal?: AbortSignal): Promise<boolean> {
    // One abort listener for the whole drain (a long-lived signal must not collect one per wait).
    let wake: (() => void) | undefined;
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (this.#stopped || signal?.aborted) return false;
        if (this.o.spool.unacked().length === 0 && !this.#running) return true;
        if (!this.#running) this.notify();
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.#idle.push(resolve);
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops retrying (daemon hard stop); spooled chunks stay on disk for the next start. */
  stop(): void {
    this.#abort.abort();
    this.#stopped ??= new AgentApiError('uploader stopped', 0, 'STOPPED');
    this.#wakeIdle();
  }
}
