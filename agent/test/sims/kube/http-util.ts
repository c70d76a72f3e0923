/**
 * @module kube-sim/http-util
 * Wire helpers: bounded body reading (413 past the apiserver's 3 MiB limit), JSON and Status responses with
 * the apiserver's headers, and Accept negotiation for Table output.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { errors, KubeError } from './status.js';

/** k8s.io/apiserver DefaultMaxRequestSizeBytes. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(errors.tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => reject(e));
  });
}

/** Decodes a request body the way the JSON serializer reports failures (400 BadRequest). */
export function parseJsonBody(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('Object \'Kind\' is missing in \'\'');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function baseHeaders(): Record<string, string> {
  return { 'Audit-Id': randomUUID(), 'Cache-Control': 'no-cache, private' };
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body) + '\n';
  res.writeHead(code, { ...baseHeaders(), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const ke = err instanceof KubeError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  sendJson(res, ke.code, ke.body);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { ...baseHeaders(), 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { ...baseHeaders(), 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' });
  // Without an immediate flush kubectl blocks until the first event (or timeoutSeconds) arrives.
  res.flushHeaders();
}

export interface Negotiated {
  table: boolean;
}

/** Table when the client offers meta.k8s.io/v1 Table; 406 when it only accepts something we cannot encode. */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return { table: false };
  const offers = accept.split(',').map((o) => o.trim().toLowerCase());
  for (const offer of offers) {
    const [type, ...params] = offer.split(';').map((p) => p.trim());
    const p = Object.fromEntries(params.map((x) => x.split('=') as [string, string]));
    if (p.as === 'table' && p.g === 'meta.k8s.io' && p.v === 'v1' && (type === 'application/json' || type === '*/*')) return { table: true };
    if (p.as === undefined && (type === 'application/json' || type === '*/*' || type === 'application/*')) return { table: false };
  }
  throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}
