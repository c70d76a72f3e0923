/**
 * @module s3-sim/buckets
 * Service and bucket operations: ListBuckets, CreateBucket (us-east-1's legacy "200 for a bucket
 * you already own", elsewhere 409 BucketAlreadyOwnedByYou), DeleteBucket (409 BucketNotEmpty),
 * HeadBucket, GetBucketLocation, and the two listings. Listing parameters are validated as S3
 * does (max-keys an integer, capped at 1000; encoding-type only `url`); v2 continuation tokens are
 * opaque and tamper-evident (HMAC), so a hand-edited token is a 400, not a wrong page.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { invalidArgument, S3Error } from './errors';
import { listPage } from './listing';
import type { Bucket, S3Store } from './store';
import { escapeXml, renderDocument, S3_NS, type XmlNode } from './xml';

const OWNER: XmlNode[] = [['ID', '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a'], ['DisplayName', 's3-sim']];
const tokenKey = randomBytes(32);

export function sendXml(res: ServerResponse, root: string, children: XmlNode[], status = 200): void {
  const text = renderDocument(root, children);
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const iso = (d: Date): string => d.toISOString();

export function listBuckets(res: ServerResponse, store: S3Store): void {
  const buckets: XmlNode[] = [...store.buckets.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((b) => ['Bucket', [['Name', b.name], ['CreationDate', iso(b.created)]]]);
  sendXml(res, 'ListAllMyBucketsResult', [['Owner', OWNER], ['Buckets', buckets]]);
}

const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function createBucket(res: ServerResponse, store: S3Store, name: string, region: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..')) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
  if (store.bucket(name) && region !== 'us-east-1') {
    throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: name });
  }
  store.createBucket(name);
  res.writeHead(200, { Location: `/${name}`, 'Content-Length': '0' });
  res.end();
}

export function deleteBucket(res: ServerResponse, store: S3Store, bucket: Bucket): void {
  if (bucket.objects.size > 0) throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: bucket.name });
  store.buckets.delete(bucket.name);
  res.writeHead(204);
  res.end();
}

export function bucketLocation(res: ServerResponse, region: string): void {
  // us-east-1 is reported as an empty LocationConstraint.
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${S3_NS}">${region === 'us-east-1' ? '' : escapeXml(region)}</LocationConstraint>`;
  res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function maxKeysOf(q: Map<string, string>): number {
  const raw = q.get('max-keys');
  if (raw === undefined) return 1000;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  return Math.min(Number(raw), 1000);
}

function encoderOf(q: Map<string, string>): (s: string) => string {
  const enc = q.get('encoding-type');
  if (enc === undefined) return (s) => s;
  if (enc !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', enc);
  // S3's url encoding: form-style, spaces as '+', slashes kept.
  return (s) => encodeURIComponent(s).replace(/%20/g, '+').replace(/%2F/g, '/');
}

function contents(bucket: Bucket, keys: string[], enc: (s: string) => string, owner: boolean): XmlNode[] {
  return keys.map((k) => {
    const o = bucket.objects.get(k);
    const fields: XmlNode[] = [['Key', enc(k)], ['LastModified', iso(o?.lastModified ?? new Date(0))], ['ETag', o?.etag ?? ''], ['Size', o?.body.length ?? 0]];
    if (owner) fields.push(['Owner', OWNER]);
    fields.push(['StorageClass', 'STANDARD']);
    return ['Contents', fields] as XmlNode;
  });
}

export function listObjectsV1(res: ServerResponse, bucket: Bucket, q: Map<string, string>): void {
  const enc = encoderOf(q);
  const maxKeys = maxKeysOf(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const marker = q.get('marker') ?? '';
  const page = listPage(bucket.keys(), { prefix, delimiter, after: marker, maxKeys });
  const out: XmlNode[] = [['Name', bucket.name], ['Prefix', enc(prefix)], ['Marker', enc(marker)], ['MaxKeys', maxKeys]];
  if (delimiter) out.push(['Delimiter', enc(delimiter)]);
  if (q.has('encoding-type')) out.push(['EncodingType', 'url']);
  out.push(['IsTruncated', page.isTruncated]);
  // NextMarker is returned only with a delimiter; without one clients resume after the last key.
  if (page.isTruncated && delimiter && page.last !== undefined) out.push(['NextMarker', enc(page.last)]);
  out.push(...contents(bucket, page.keys, enc, true));
  for (const p of page.commonPrefixes) out.push(['CommonPrefixes', [['Prefix', enc(p)]]]);
  sendXml(res, 'ListBucketResult', out);
}

function tokenFor(bucket: string, last: string): string {
  const body = Buffer.from(JSON.stringify({ b: bucket, k: last })).toString('base64url');
  return `${body}.${createHmac('sha256', tokenKey).update(body).digest('base64url')}`;
}

function afterFromToken(bucket: string, token: string): string {
  const bad = (): S3Error => invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  const [body = '', tag = ''] = token.split('.');
  const want = createHmac('sha256', tokenKey).update(body).digest();
  const got = Buffer.from(tag, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw bad();
  const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { b?: unknown; k?: unknown };
  if (parsed.b !== bucket || typeof parsed.k !== 'string') throw bad();
  return parsed.k;
}

export function listObjectsV2(res: ServerResponse, bucket: Bucket, q: Map<string, string>): void {
  const enc = encoderOf(q);
  const maxKeys = maxKeysOf(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') ?? '';
  if (token === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  const after = token !== undefined ? afterFromToken(bucket.name, token) : startAfter;
  const page = listPage(bucket.keys(), { prefix, delimiter, after, maxKeys });
  const out: XmlNode[] = [['Name', bucket.name], ['Prefix', enc(prefix)]];
  if (delimiter) out.push(['Delimiter', enc(delimiter)]);
  out.push(['MaxKeys', maxKeys], ['KeyCount', page.keys.length + page.commonPrefixes.length]);
  if (q.has('encoding-type')) out.push(['EncodingType', 'url']);
  if (token !== undefined) out.push(['ContinuationToken', token]);
  if (q.has('start-after')) out.push(['StartAfter', enc(startAfter)]);
  out.push(['IsTruncated', page.isTruncated]);
  if (page.isTruncated && page.last !== undefined) out.push(['NextContinuationToken', tokenFor(bucket.name, page.last)]);
  out.push(...contents(bucket, page.keys, enc, q.get('fetch-owner') === 'true'));
  for (const p of page.commonPrefixes) out.push(['CommonPrefixes', [['Prefix', enc(p)]]]);
  sendXml(res, 'ListBucketResult', out);
}
