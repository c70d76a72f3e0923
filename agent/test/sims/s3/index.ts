/**
 * @module s3-sim
 * A loopback simulator of the Amazon S3 REST API subset that Litestream (aws-sdk-go v1) and the
 * migration jobs use, faithful where `s3rver` is not (it returns no CommonPrefixes, so
 * `litestream generations`/`restore` find nothing against it).
 *
 * Implemented, after the S3 API reference:
 * - Addressing: path-style (`/bucket/key`) and virtual-hosted (`Host: bucket.<domain>`; the domain
 *   is `localhost` by default, reached through an HTTP proxy since `*.localhost` does not resolve
 *   for every client) — Litestream's `force-path-style` switches between them.
 * - Auth: SigV4 Authorization header (sigv4.ts) against the configured access keys; anonymous →
 *   AccessDenied; unknown key → InvalidAccessKeyId; wrong secret → SignatureDoesNotMatch with the
 *   StringToSign/CanonicalRequest S3 echoes; payload hash checked against the body
 *   (XAmzContentSHA256Mismatch), Content-MD5 checked (BadDigest/InvalidDigest).
 * - Service/bucket: ListBuckets, Create/Delete/HeadBucket, GetBucketLocation, ListObjects v1 and v2
 *   (prefix, delimiter, CommonPrefixes, marker/NextMarker, start-after, continuation tokens,
 *   max-keys, encoding-type=url).
 * - Objects: Put, Get (Range), Head, Delete, DeleteObjects, multipart upload (objects.ts).
 * - Errors as S3's `<Error>` XML with RequestId/HostId (HEAD: status only); unknown subresources
 *   (?acl, ?tagging, ?versioning…) → 501 NotImplemented; wrong methods → 405 MethodNotAllowed.
 * - Test hooks: `failNext(status, code)` fails the next matching requests with an S3 error,
 *   `requests` logs every call (operation, bucket, key, status).
 *
 * Left out: presigned URLs (query auth) and chunked `STREAMING-…` payload signing (both → 501),
 * versioning, ACLs/policies, CopyObject, ListParts/ListMultipartUploads, checksums other than
 * Content-MD5, conditional requests, storage classes, SSE. Deviations: objects live in memory; the
 * simulator caps one request body (default 1 GiB → EntityTooLarge; S3 allows 5 GiB per PUT/part),
 * and refuses object keys holding characters XML 1.0 cannot carry (S3 stores them).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bucketLocation, createBucket, deleteBucket, listBuckets, listObjectsV1, listObjectsV2 } from './buckets';
import { invalidUri, methodNotAllowed, noSuchBucket, notImplemented, S3Error } from './errors';
import * as objects from './objects';
import { type Credential, EMPTY_SHA256, queryPairs, verify } from './sigv4';
import { type Bucket, S3Store } from './store';
import { escapeXml } from './xml';
import { listenOnLoopback } from '../../../../worker/test/sims/sim-http';

export type { Credential } from './sigv4';

export interface S3SimOptions {
  credentials?: Credential[];
  region?: string;
  buckets?: string[];
  /** Virtual-hosted requests are those whose Host is `<bucket>.<domain>[:port]`. */
  virtualHostDomain?: string;
  /** Simulator-only cap on one request body (default 1 GiB). */
  maxBodyBytes?: number;
}

export interface S3Request {
  method: string;
  op: string;
  bucket?: string;
  key?: string;
  status: number;
  accessKeyId?: string;
}

export interface S3Sim {
  /** Path-style endpoint, e.g. http://127.0.0.1:PORT (Litestream's `endpoint`). */
  endpoint: string;
  port: number;
  region: string;
  /** Endpoint for virtual-hosted style: http://<domain>:PORT. */
  virtualHostEndpoint: string;
  credentials: Credential[];
  store: S3Store;
  requests: S3Request[];
  createBucket(name: string): Bucket;
  /** Keys (and sizes) under `prefix` in byte order. */
  list(bucket: string, prefix?: string): Array<{ key: string; size: number }>;
  get(bucket: string, key: string): Buffer | undefined;
  /** The next `times` requests whose operation matches `op` (e.g. 'PutObject', '*') fail with this error. */
  failNext(op: string, status: number, code: string, times?: number): void;
  close(): Promise<void>;
}

const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const SUBRESOURCES_NOT_IMPLEMENTED = ['acl', 'tagging', 'versioning', 'policy', 'lifecycle', 'cors', 'website', 'logging', 'notification', 'replication', 'encryption', 'object-lock', 'retention', 'legal-hold', 'versions', 'torrent', 'restore', 'select', 'attributes', 'accelerate', 'analytics', 'inventory', 'metrics', 'ownershipControls', 'publicAccessBlock', 'requestPayment', 'intelligent-tiering'];

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        if (!failed) reject(new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(limit) }));
        failed = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeError(res: ServerResponse, method: string, err: unknown, requestId: string, resource: string): number {
  const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
  if (res.headersSent) {
    res.destroy();
    return e.status;
  }
  const headers: Record<string, string> = { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
  if (method === 'HEAD') {
    res.writeHead(e.status, headers);
    res.end();
    return e.status;
  }
  const extra = Object.entries(e.extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message>${extra}<Resource>${escapeXml(resource)}</Resource><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
  res.writeHead(e.status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
  return e.status;
}

interface Target {
  bucket: string;
  key: string;
  /** The decoded path that was signed. */
  path: string;
}

function target(req: IncomingMessage, domain: string): Target {
  const raw = (req.url ?? '/').split('?')[0] ?? '/';
  // Absolute-form request lines (through a proxy) carry scheme and host.
  const rawPath = /^https?:\/\//i.test(raw) ? raw.replace(/^https?:\/\/[^/]*/i, '') || '/' : raw;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw invalidUri();
  }
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (host.endsWith(`.${domain}`)) return { bucket: host.slice(0, -domain.length - 1), key: path.slice(1), path };
  const [, bucket = '', ...rest] = path.split('/');
  return { bucket, key: rest.join('/'), path };
}

/** The S3 operation name for logging and fault matching. */
function operation(method: string, t: Target, q: Map<string, string>): string {
  if (!t.bucket) return method === 'GET' ? 'ListBuckets' : 'Service';
  if (!t.key) {
    if (q.has('location')) return 'GetBucketLocation';
    if (q.has('delete')) return 'DeleteObjects';
    if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    return ({ PUT: 'CreateBucket', DELETE: 'DeleteBucket', HEAD: 'HeadBucket' } as Record<string, string>)[method] ?? 'Bucket';
  }
  if (q.has('uploads')) return 'CreateMultipartUpload';
  if (q.has('uploadId')) return ({ PUT: 'UploadPart', POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload' } as Record<string, string>)[method] ?? 'ListParts';
  return ({ PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as Record<string, string>)[method] ?? 'Object';
}

export async function startS3Sim(opts: S3SimOptions = {}): Promise<S3Sim> {
  const region = opts.region ?? 'us-east-1';
  const domain = (opts.virtualHostDomain ?? 'localhost').toLowerCase();
  const credentials = opts.credentials ?? [{ accessKeyId: 'AKIAS3SIMULATOR0001', secretAccessKey: 's3-sim-secret-key-0001' }];
  const maxBody = opts.maxBodyBytes ?? 1024 ** 3;
  const store = new S3Store();
  for (const b of opts.buckets ?? []) store.createBucket(b);
  const requests: S3Request[] = [];
  const faults: Array<{ op: string; status: number; code: string }> = [];

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string, t: Target, q: Map<string, string>, op: string): Promise<string> {
    const method = req.method ?? 'GET';
    const rawQuery = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    const accessKeyId = verify({ method, path: t.path, rawQuery, headers: req.headers }, credentials, region);
    const fault = faults.findIndex((f) => f.op === op || f.op === '*');
    if (fault >= 0) {
      const [f] = faults.splice(fault, 1);
      throw new S3Error(f?.status ?? 500, f?.code ?? 'InternalError', f?.code === 'SlowDown' ? 'Please reduce your request rate.' : 'We encountered an internal error. Please try again.');
    }
    if (['PUT', 'POST'].includes(method) && req.headers['content-length'] === undefined) {
      throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    }
    const body = await readBody(req, maxBody);
    const declared = String(req.headers['x-amz-content-sha256'] ?? '');
    if (declared !== 'UNSIGNED-PAYLOAD') {
      const computed = body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
      if (computed !== declared) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: computed });
      }
    }
    const md5 = req.headers['content-md5'];
    if (typeof md5 === 'string') {
      const want = Buffer.from(md5, 'base64');
      if (want.length !== 16 || want.toString('base64') !== md5) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', { 'Content-MD5': md5 });
      if (!createHash('md5').update(body).digest().equals(want)) throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', { ExpectedDigest: md5 });
    }
    for (const sub of SUBRESOURCES_NOT_IMPLEMENTED) if (q.has(sub)) throw notImplemented();

    if (!t.bucket) {
      if (method !== 'GET') throw methodNotAllowed(method, 'SERVICE');
      listBuckets(res, store);
      return accessKeyId;
    }
    if (!t.key && method === 'PUT') {
      createBucket(res, store, t.bucket, region);
      return accessKeyId;
    }
    const bucket = store.bucket(t.bucket);
    if (!bucket) throw noSuchBucket(t.bucket);
    if (!t.key) {
      if (method === 'GET' && q.has('location')) bucketLocation(res, region);
      else if (method === 'GET') (q.get('list-type') === '2' ? listObjectsV2 : listObjectsV1)(res, bucket, q);
      else if (method === 'HEAD') {
        res.writeHead(200, { 'x-amz-bucket-region': region });
        res.end();
      } else if (method === 'DELETE') deleteBucket(res, store, bucket);
      else if (method === 'POST' && q.has('delete')) objects.deleteObjects({ bucket, key: '', query: q, headers: req.headers, body, res });
      else throw methodNotAllowed(method, 'BUCKET');
      return accessKeyId;
    }
    if (Buffer.byteLength(t.key) > 1024) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', { MaxSizeAllowed: '1024', Size: String(Buffer.byteLength(t.key)) });
    if (XML_INVALID.test(t.key)) throw new S3Error(400, 'InvalidArgument', 'The simulator refuses object keys with characters XML 1.0 cannot carry', { ArgumentName: 'key' });
    const r: objects.ObjectRequest = { bucket, key: t.key, query: q, headers: req.headers, body, res };
    switch (op) {
      case 'PutObject':
        if (req.headers['x-amz-copy-source']) throw notImplemented();
        return (objects.putObject(r), accessKeyId);
      case 'GetObject':
        return (objects.getObject(r), accessKeyId);
      case 'HeadObject':
        return (objects.headObject(r), accessKeyId);
      case 'DeleteObject':
        return (objects.deleteObject(r), accessKeyId);
      case 'CreateMultipartUpload':
        if (method !== 'POST') throw methodNotAllowed(method, 'OBJECT');
        return (objects.createMultipartUpload(r), accessKeyId);
      case 'UploadPart':
        return (objects.uploadPart(r), accessKeyId);
      case 'CompleteMultipartUpload':
        return (objects.completeMultipartUpload(r, `http://${req.headers.host ?? ''}/${bucket.name}/${encodeURI(t.key)}`), accessKeyId);
      case 'AbortMultipartUpload':
        return (objects.abortMultipartUpload(r), accessKeyId);
      case 'ListParts':
        throw notImplemented();
      default:
        throw methodNotAllowed(method, 'OBJECT');
    }
  }

  const server = createServer((req, res) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const method = req.method ?? 'GET';
    let t: Target = { bucket: '', key: '', path: '/' };
    let op = 'Unknown';
    let accessKeyId: string | undefined;
    let q = new Map<string, string>();
    Promise.resolve()
      .then(() => {
        t = target(req, domain);
        const url = req.url ?? '';
        const rawQuery = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
        try {
          q = new Map(queryPairs(rawQuery));
        } catch {
          throw invalidUri();
        }
        op = operation(method, t, q);
        return handle(req, res, requestId, t, q, op);
      })
      .then((who) => {
        accessKeyId = who;
        requests.push({ method, op, ...(t.bucket ? { bucket: t.bucket } : {}), ...(t.key ? { key: t.key } : {}), status: res.statusCode, accessKeyId });
      })
      .catch((err: unknown) => {
        req.resume();
        const status = writeError(res, method, err, requestId, t.path);
        requests.push({ method, op, ...(t.bucket ? { bucket: t.bucket } : {}), ...(t.key ? { key: t.key } : {}), status });
      });
  });
  server.headersTimeout = 10_000;
  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region,
    virtualHostEndpoint: `http://${domain}:${port}`,
    credentials,
    store,
    requests,
    createBucket: (name) => store.createBucket(name),
    list: (bucket, prefix = '') => (store.bucket(bucket)?.keys() ?? []).filter((k) => k.startsWith(prefix)).map((key) => ({ key, size: store.bucket(bucket)?.objects.get(key)?.body.length ?? 0 })),
    get: (bucket, key) => store.bucket(bucket)?.objects.get(key)?.body,
    failNext(op, status, code, times = 1) {
      for (let i = 0; i < times; i++) faults.push({ op, status, code });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
