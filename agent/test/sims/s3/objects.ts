/**
 * @module s3-sim/objects
 * Object and multipart operations: PutObject, GetObject (with a single `bytes=` range), HeadObject,
 * DeleteObject (204 whether or not the key existed), DeleteObjects (Content-MD5 required, at most
 * 1000 keys, Quiet mode), and CreateMultipartUpload / UploadPart / CompleteMultipartUpload /
 * AbortMultipartUpload with S3's part rules (1–10000, every part but the last ≥ 5 MiB, parts listed
 * in ascending order with matching ETags). aws-sdk-go's s3manager (Litestream's uploader) switches
 * to multipart for bodies over 5 MiB, so a large snapshot exercises this path.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { invalidArgument, malformedXml, noSuchKey, noSuchUpload, S3Error } from './errors';
import { type Bucket, md5hex, type S3Object } from './store';
import { child, childrenNamed, parseXml, renderDocument, type XmlNode } from './xml';

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const MAX_DELETE_KEYS = 1000;

export interface ObjectRequest {
  bucket: Bucket;
  key: string;
  query: Map<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  res: ServerResponse;
}

const header = (r: ObjectRequest, name: string): string => {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
};

function userMetadata(r: ObjectRequest): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (k.startsWith('x-amz-meta-') && typeof v === 'string') meta[k.slice(11)] = v;
  return meta;
}

function objectHeaders(obj: S3Object): Record<string, string> {
  const h: Record<string, string> = {
    ETag: obj.etag,
    'Last-Modified': obj.lastModified.toUTCString(),
    'Content-Type': obj.contentType,
    'Accept-Ranges': 'bytes',
  };
  for (const [k, v] of Object.entries(obj.metadata)) h[`x-amz-meta-${k}`] = v;
  return h;
}

export function putObject(r: ObjectRequest): void {
  const obj = r.bucket.put(r.key, r.body, header(r, 'content-type') || 'binary/octet-stream', userMetadata(r));
  r.res.writeHead(200, { ETag: obj.etag, 'Content-Length': '0' });
  r.res.end();
}

export function headObject(r: ObjectRequest): void {
  const obj = r.bucket.objects.get(r.key);
  if (!obj) throw noSuchKey(r.key);
  r.res.writeHead(200, { ...objectHeaders(obj), 'Content-Length': String(obj.body.length) });
  r.res.end();
}

/** Parses `bytes=a-b`, `bytes=a-` or `bytes=-n`; undefined for a header S3 would ignore. */
function parseRange(value: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { RangeRequested: value, ActualObjectSize: String(size) });
  return [start, end];
}

export function getObject(r: ObjectRequest): void {
  const obj = r.bucket.objects.get(r.key);
  if (!obj) throw noSuchKey(r.key);
  const range = header(r, 'range') ? parseRange(header(r, 'range'), obj.body.length) : undefined;
  if (range) {
    const [start, end] = range;
    r.res.writeHead(206, { ...objectHeaders(obj), 'Content-Length': String(end - start + 1), 'Content-Range': `bytes ${start}-${end}/${obj.body.length}` });
    r.res.end(obj.body.subarray(start, end + 1));
    return;
  }
  r.res.writeHead(200, { ...objectHeaders(obj), 'Content-Length': String(obj.body.length) });
  r.res.end(obj.body);
}

export function deleteObject(r: ObjectRequest): void {
  r.bucket.delete(r.key);
  r.res.writeHead(204);
  r.res.end();
}

function xmlReply(r: ObjectRequest, root: string, children: XmlNode[]): void {
  const text = renderDocument(root, children);
  r.res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(text)) });
  r.res.end(text);
}

export function deleteObjects(r: ObjectRequest): void {
  if (!header(r, 'content-md5') && !Object.keys(r.headers).some((h) => h.startsWith('x-amz-checksum-'))) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  const doc = parseXml(r.body.toString('utf8'));
  if (doc.name !== 'Delete') throw malformedXml();
  const objects = childrenNamed(doc, 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw malformedXml();
  const quiet = child(doc, 'Quiet')?.text.trim() === 'true';
  const out: XmlNode[] = [];
  for (const o of objects) {
    const key = child(o, 'Key')?.text;
    if (key === undefined) throw malformedXml();
    r.bucket.delete(key);
    if (!quiet) out.push(['Deleted', [['Key', key]]]);
  }
  xmlReply(r, 'DeleteResult', out);
}

export function createMultipartUpload(r: ObjectRequest): void {
  const upload = r.bucket.createUpload(r.key, header(r, 'content-type') || 'binary/octet-stream', userMetadata(r));
  xmlReply(r, 'InitiateMultipartUploadResult', [['Bucket', r.bucket.name], ['Key', r.key], ['UploadId', upload.id]]);
}

function uploadOf(r: ObjectRequest): NonNullable<ReturnType<Bucket['uploads']['get']>> {
  const id = r.query.get('uploadId') ?? '';
  const upload = r.bucket.uploads.get(id);
  if (!upload || upload.key !== r.key) throw noSuchUpload(id);
  return upload;
}

export function uploadPart(r: ObjectRequest): void {
  const raw = r.query.get('partNumber') ?? '';
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PARTS)) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  const upload = uploadOf(r);
  const etag = `"${md5hex(r.body)}"`;
  upload.parts.set(n, { number: n, body: r.body, etag });
  r.res.writeHead(200, { ETag: etag, 'Content-Length': '0' });
  r.res.end();
}

export function completeMultipartUpload(r: ObjectRequest, location: string): void {
  const upload = uploadOf(r);
  const doc = parseXml(r.body.toString('utf8'));
  if (doc.name !== 'CompleteMultipartUpload') throw malformedXml();
  const listed = childrenNamed(doc, 'Part').map((p) => ({ number: Number(child(p, 'PartNumber')?.text.trim()), etag: child(p, 'ETag')?.text.trim() ?? '' }));
  if (listed.length === 0) throw malformedXml();
  const parts = listed.map((p, i) => {
    if (i > 0 && p.number <= (listed[i - 1]?.number ?? 0)) throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', { UploadId: upload.id });
    const part = upload.parts.get(p.number);
    const quoted = p.etag.startsWith('"') ? p.etag : `"${p.etag}"`;
    if (!part || part.etag !== quoted) {
      throw new S3Error(400, 'InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
        UploadId: upload.id,
        PartNumber: String(p.number),
        ETag: p.etag,
      });
    }
    return part;
  });
  parts.forEach((p, i) => {
    if (i < parts.length - 1 && p.body.length < MIN_PART_BYTES) {
      throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: String(p.body.length),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(p.number),
        ETag: p.etag,
      });
    }
  });
  const digest = createHash('md5');
  for (const p of parts) digest.update(Buffer.from(p.etag.slice(1, -1), 'hex'));
  const etag = `"${digest.digest('hex')}-${parts.length}"`;
  r.bucket.put(r.key, Buffer.concat(parts.map((p) => p.body)), upload.contentType, upload.metadata, etag);
  r.bucket.uploads.delete(upload.id);
  xmlReply(r, 'CompleteMultipartUploadResult', [['Location', location], ['Bucket', r.bucket.name], ['Key', r.key], ['ETag', etag]]);
}

export function abortMultipartUpload(r: ObjectRequest): void {
  const upload = uploadOf(r);
  r.bucket.uploads.delete(upload.id);
  r.res.writeHead(204);
  r.res.end();
}
