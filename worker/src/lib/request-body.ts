/**
 * @module
 * Reading request bodies under a size cap without breaking the connection they came on.
 *
 * Refusing an oversized body means answering before the client finished sending it. If the
 * runtime is left holding unread bytes, the client's keep-alive connection is poisoned: in
 * workerd (wrangler dev, and the tests' unstable_startWorker) the next request on it hangs, or —
 * behind wrangler's proxy — fails with 503 "worker restarted mid-request" (workerd#1741,
 * workers-sdk#15709; cancelling the stream does not help, draining does). So after deciding to
 * refuse, read and drop the rest — bounded (DRAIN_MAX_BYTES, DRAIN_MAX_MS) so a hostile endless
 * upload cannot hold the isolate — and only past that bound give up and cancel.
 */
import { AppError } from '../errors';

/** Past this many bytes of an oversized body (or this long), stop draining and cancel. */
export const DRAIN_MAX_BYTES = 32 * 1024 * 1024;
export const DRAIN_MAX_MS = 15_000;

export interface DrainBounds {
  maxBytes: number;
  maxMs: number;
}

export function payloadTooLarge(max: number, what = 'request body'): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The ${what} is larger than ${max} bytes.`);
}

/** Reads and drops what is left of a body, within the drain bounds; true if it reached the end. */
export async function drainRest(reader: ReadableStreamDefaultReader<Uint8Array>, bounds: DrainBounds = { maxBytes: DRAIN_MAX_BYTES, maxMs: DRAIN_MAX_MS }): Promise<boolean> {
  const stopAt = Date.now() + bounds.maxMs;
  let drained = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), bounds.maxMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === 'timeout') break;
      if (next.done) return true;
      drained += next.value.byteLength;
      if (drained > bounds.maxBytes || Date.now() > stopAt) break;
    }
  } catch {
    return false;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  await reader.cancel().catch(() => undefined);
  return false;
}

/**
 * The whole body if it is at most `max` bytes; else drains the rest (see the module note) and
 * throws 413 PAYLOAD_TOO_LARGE.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number, what?: string, drain?: DrainBounds): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // The sender's connection broke mid-body (workerd says "Network connection lost"): the
      // request is incomplete, which is the sender's side — not a database outage, which that
      // message would otherwise be taken for.
      throw new AppError('BAD_REQUEST', `The ${what ?? 'request body'} was cut off before its end.`);
    });
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await drainRest(reader, drain);
      throw payloadTooLarge(max, what);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Refuses a body whose declared Content-Length is over `max` before reading it — after dropping
 * it when it is small enough to drain (then the connection stays usable), cancelling otherwise.
 */
export async function refuseDeclaredLength(req: Request, max: number, what?: string, drain: DrainBounds = { maxBytes: DRAIN_MAX_BYTES, maxMs: DRAIN_MAX_MS }): Promise<void> {
  const declared = Number(req.headers.get('content-length'));
  if (req.headers.has('transfer-encoding') || !Number.isFinite(declared) || declared <= max) return;
  const reader = req.body?.getReader();
  if (reader) {
    if (declared <= drain.maxBytes) await drainRest(reader, drain);
    else await reader.cancel().catch(() => undefined);
  }
  throw payloadTooLarge(max, what);
}
