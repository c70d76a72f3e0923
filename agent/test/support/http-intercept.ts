/**
 * @module
 * An HTTP proxy on loopback in front of the real Worker that can answer chosen requests itself
 * (a 500 for step results, a 503 while a test cancels…) and forwards everything else unchanged.
 * For tests of how the real agent copes with a worker that misbehaves in a specific way.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InterceptedRequest {
  method: string;
  path: string;
  body: string;
}

export type Interceptor = (req: InterceptedRequest) => { status: number; body: string } | undefined;

export interface InterceptingProxy {
  url: string;
  /** Requests seen, in order (after any interception decision). */
  seen: InterceptedRequest[];
  intercept(fn: Interceptor | undefined): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startInterceptingProxy(target: string): Promise<InterceptingProxy> {
  let interceptor: Interceptor | undefined;
  const seen: InterceptedRequest[] = [];
  const server = createServer(async (req, res) => {
    const r = { method: req.method ?? 'GET', path: req.url ?? '/', body: await readBody(req) };
    seen.push(r);
    const canned = interceptor?.(r);
    if (canned) {
      res.writeHead(canned.status, { 'content-type': 'application/json' }).end(canned.body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    try {
      const up = await fetch(target + r.path, { method: r.method, headers, ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { body: r.body }), redirect: 'manual' });
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding') out[k] = v;
      });
      res.writeHead(up.status, out).end(Buffer.from(await up.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    intercept: (fn) => (interceptor = fn),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
