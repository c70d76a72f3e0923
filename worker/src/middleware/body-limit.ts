/**
 * @module
 * Request body caps for the JSON APIs, and draining bodies nobody read — both so that a refusal
 * never leaves unread bytes on the client's connection (lib/request-body.ts says why that
 * poisons the next request in workerd). Replaces Hono's bodyLimit, which answers 413 with the
 * rest of the body still unread.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { drainRest, readCapped, refuseDeclaredLength } from '../lib/request-body';

/** JSON API bodies are small: an oversized one is drained only this far (then cancelled). */
const API_DRAIN = { maxBytes: 4 * 1024 * 1024, maxMs: 5_000 };

/** Buffers the body (at most `maxSize` bytes) for the handlers; larger → drained, then 413. */
export const limitBody = (maxSize: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const req = c.req.raw;
    if (!req.body) return next();
    await refuseDeclaredLength(req, maxSize, undefined, API_DRAIN);
    const body = await readCapped(req.body, maxSize, undefined, API_DRAIN);
    // A request body's bytes are a plain ArrayBuffer view; the DOM typings only doubt SharedArrayBuffer.
    c.req.raw = new Request(req, { body: body as Uint8Array<ArrayBuffer> });
    await next();
  });

/** A body nobody read (404, 401, 405 before the body) is dropped up to this much; past it, cancelled. */
const UNREAD_DRAIN = { maxBytes: 1024 * 1024, maxMs: 3_000 };

/**
 * After the response is decided: if the handler never touched the request body, drop it (bounded)
 * so the connection can carry the next request. A refusal of a huge unread body cancels instead.
 */
export const drainUnreadBody = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const req = c.req.raw;
  if (!req.body || req.bodyUsed) return;
  const declared = Number(req.headers.get('content-length'));
  const reader = req.body.getReader();
  if (Number.isFinite(declared) && declared > UNREAD_DRAIN.maxBytes) await reader.cancel().catch(() => undefined);
  else await drainRest(reader, UNREAD_DRAIN);
});
