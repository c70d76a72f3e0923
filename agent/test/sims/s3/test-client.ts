/**
 * @module s3-sim/test-client
 * A SigV4-signing HTTP client for the simulator's own tests (the real-client proof is Litestream,
 * litestream.test.ts). Every call has a timeout. `rawPath` sends a path byte-for-byte (hostile
 * encodings); `host` overrides the Host header (virtual-hosted style without DNS).
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { authorization, type Credential, queryPairs } from './sigv4';

export interface S3Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface CallOptions {
  body?: Buffer | string;
  headers?: Record<string, string>;
  cred?: Credential | null;
  region?: string;
  host?: string;
  /** Pretend the request was signed at this time (ms). */
  at?: number;
  /** Declared payload hash instead of the body's. */
  payloadHash?: string;
}

export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** `pathAndQuery` is sent as-is; it is decoded for signing as a server would. */
export function s3call(endpoint: string, method: string, pathAndQuery: string, opts: CallOptions = {}): Promise<S3Reply> {
  const url = new URL(endpoint);
  const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body);
  const [rawPath = '/', rawQuery = ''] = pathAndQuery.split(/\?(.*)/s);
  const host = opts.host ?? url.host;
  const headers: Record<string, string> = {
    host,
    'x-amz-date': amzDate(opts.at ?? Date.now()),
    'x-amz-content-sha256': opts.payloadHash ?? createHash('sha256').update(body).digest('hex'),
    ...(method === 'PUT' || method === 'POST' ? { 'content-length': String(body.length) } : {}),
    ...Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  if (opts.cred !== null) {
    const cred = opts.cred;
    if (!cred) throw new Error('s3call: cred required (or null for anonymous)');
    const signed = Object.keys(headers).filter((h) => h === 'host' || h.startsWith('x-amz-') || h === 'content-md5' || h === 'range').sort();
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(rawPath);
    } catch {
      decodedPath = rawPath;
    }
    let query: Array<[string, string]>;
    try {
      query = queryPairs(rawQuery);
    } catch {
      query = [];
    }
    headers.authorization = authorization({ method, path: decodedPath, query, headers, signedHeaders: signed, payloadHash: headers['x-amz-content-sha256'] ?? '' }, cred, opts.region ?? 'us-east-1');
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: pathAndQuery, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, text: buf.toString('utf8') });
      });
    });
    req.on('timeout', () => req.destroy(new Error('s3call timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The text of the first `<name>` element (test assertions on XML replies). */
export const xmlText = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
export const xmlAll = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1] ?? '');
