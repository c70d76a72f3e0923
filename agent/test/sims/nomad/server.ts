/**
 * @module nomad-sim/server
 * HTTP plumbing shared by all routes: request log, `failNext` fault injection,
 * token parsing (X-Nomad-Token, then `Authorization: Bearer`, as
 * command/agent/http.go parseToken), ACL resolution, JSON body decoding with
 * Go-like error text, blocking queries (`?index=` + `?wait=`, default and cap
 * 300s as structs.MaxBlockingRPCQueryTime), and error rendering as text/plain.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseGoDuration } from './duration';
import { coded, NomadError, permissionDenied, tokenNotFound } from './errors';
import { decodeGoJson } from './json-decode';
import type { SimState, Table } from './state';

export interface SimConfig {
  aclToken: string | undefined;
  version: string;
  region: string;
  datacenter: string;
  allocStartDelayMs: number;
  maxBodyBytes: number;
}

/** How an endpoint treats the caller's identity (mirrors where Nomad checks it). */
export type AclRule = 'none' | 'read' | 'write' | 'filter' | 'whoami' | 'agent';
export type Identity = { kind: 'disabled' } | { kind: 'management' } | { kind: 'anonymous' } | { kind: 'notfound' } | { kind: 'invalid' };

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  namespace: string;
  identity: Identity;
  state: SimState;
  config: SimConfig;
  signal: AbortSignal;
  json(): Promise<unknown>;
  setIndex(n: number): void;
  /** Runs `produce` now, or after the tables advance past `?index=` / `?wait=` elapses. */
  blocking<T>(tables: Table[], produce: () => T): Promise<T>;
}

/** `undefined` means "write no body" (Nomad's nil object); `{ body }` is JSON-encoded, `null` included. */
export type Reply = { body: unknown } | undefined;
export type Route = (ctx: Ctx, params: string[]) => Promise<Reply> | Reply;

const MAX_WAIT_MS = 300_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseToken(req: IncomingMessage): string | undefined {
  const x = req.headers['x-nomad-token'];
  if (typeof x === 'string' && x.trim() !== '') return x.trim();
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const parts = auth.split(' ');
    if (parts.length > 1 && (parts[0] ?? '').toLowerCase() === 'bearer') return parts.slice(1).join(' ').trim().split(' ')[0];
  }
  return undefined;
}

export function resolveIdentity(token: string | undefined, config: SimConfig): Identity {
  if (config.aclToken === undefined) return { kind: 'disabled' };
  if (!token) return { kind: 'anonymous' };
  if (token === config.aclToken) return { kind: 'management' };
  return UUID.test(token) ? { kind: 'notfound' } : { kind: 'invalid' };
}

/** Throws the error real Nomad gives for this identity on an endpoint guarded by `rule`. */
export function enforceAcl(rule: AclRule, id: Identity): void {
  if (rule === 'none' || rule === 'filter' || rule === 'whoami' || id.kind === 'disabled' || id.kind === 'management') return;
  // The HTTP-side ResolveToken (agent/self, jobs/parse) surfaces the lookup failure itself;
  // RPC endpoints collapse every authentication failure into "Permission denied".
  if (rule === 'agent' && id.kind === 'notfound') throw tokenNotFound();
  throw permissionDenied();
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    // Real Nomad has no HTTP body cap; the simulator keeps one so a hostile test cannot exhaust memory.
    if (size > limit) throw coded(413, 'Request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Decodes a request body like Nomad's decodeBody (json.Decoder.Decode). */
export function decodeJson(raw: Buffer): unknown {
  if (raw.length === 0) throw coded(400, 'Request body is empty');
  return decodeGoJson(raw.toString('utf8'));
}

export function parseWait(url: URL): { index: number; waitMs: number } {
  let waitMs = MAX_WAIT_MS;
  const wait = url.searchParams.get('wait');
  if (wait) {
    const ns = parseGoDuration(wait);
    if (ns === undefined) throw coded(400, 'Invalid wait time');
    waitMs = ns <= 0 ? MAX_WAIT_MS : Math.min(ns / 1e6, MAX_WAIT_MS);
  }
  let index = 0;
  const idx = url.searchParams.get('index');
  if (idx) {
    if (!/^\d+$/.test(idx)) throw coded(400, 'Invalid index');
    index = Number(idx);
  }
  return { index, waitMs };
}

export async function runBlocking<T>(ctx: Ctx, tables: Table[], produce: () => T): Promise<T> {
  const { index, waitMs } = parseWait(ctx.url);
  const deadline = Date.now() + waitMs;
  while (index > 0 && ctx.state.indexOf(...tables) <= index && Date.now() < deadline && !ctx.signal.aborted) {
    await ctx.state.waitForChange(deadline - Date.now(), ctx.signal);
  }
  ctx.setIndex(ctx.state.indexOf(...tables));
  return produce();
}

export function writeError(res: ServerResponse, err: unknown): void {
  const e = err instanceof NomadError ? err : new NomadError(500, err instanceof Error ? err.message : String(err));
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(e.status, { 'Content-Type': 'text/plain' });
  res.end(e.message);
}

export function writeReply(res: ServerResponse, reply: Reply, pretty: boolean): void {
  if (reply === undefined) {
    res.writeHead(200);
    res.end();
    return;
  }
  const text = pretty ? `${JSON.stringify(reply.body, null, 4)}\n` : JSON.stringify(reply.body);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(text);
}
