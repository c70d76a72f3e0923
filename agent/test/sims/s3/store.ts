/**
 * @module s3-sim/store
 * The simulator's buckets, objects and multipart uploads, in memory. Keys are kept in UTF-8 byte
 * order (the order S3 lists them in — not JavaScript's UTF-16 order), ETags are MD5 hex for simple
 * uploads and `md5(concat(part md5s))-N` for multipart ones, as S3 computes them.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface S3Object {
  key: string;
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
}

export interface Part {
  number: number;
  body: Buffer;
  etag: string;
}

export interface Upload {
  id: string;
  key: string;
  initiated: Date;
  contentType: string;
  metadata: Record<string, string>;
  parts: Map<number, Part>;
}

export const md5hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');

export class Bucket {
  readonly objects = new Map<string, S3Object>();
  readonly uploads = new Map<string, Upload>();
  private sorted: string[] | undefined;

  constructor(
    readonly name: string,
    readonly created: Date,
  ) {}

  /** Keys in UTF-8 byte order (cached until the next write). */
  keys(): string[] {
    this.sorted ??= [...this.objects.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    return this.sorted;
  }

  put(key: string, body: Buffer, contentType: string, metadata: Record<string, string>, etag = `"${md5hex(body)}"`): S3Object {
    const obj: S3Object = { key, body, etag, lastModified: new Date(), contentType, metadata };
    if (!this.objects.has(key)) this.sorted = undefined;
    this.objects.set(key, obj);
    return obj;
  }

  delete(key: string): boolean {
    this.sorted = undefined;
    return this.objects.delete(key);
  }

  createUpload(key: string, contentType: string, metadata: Record<string, string>): Upload {
    // S3 upload IDs are long opaque URL-safe strings.
    const id = randomBytes(48).toString('base64url');
    const upload: Upload = { id, key, initiated: new Date(), contentType, metadata, parts: new Map() };
    this.uploads.set(id, upload);
    return upload;
  }
}

export class S3Store {
  readonly buckets = new Map<string, Bucket>();

  bucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  createBucket(name: string): Bucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const b = new Bucket(name, new Date());
    this.buckets.set(name, b);
    return b;
  }
}
