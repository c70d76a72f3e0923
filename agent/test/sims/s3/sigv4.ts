/**
 * @module s3-sim/sigv4
 * AWS Signature Version 4 for S3 ("Authenticating Requests: Using the Authorization Header", S3 API
 * reference): canonical request → string to sign → HMAC chain → signature, verified against the
 * simulator's credentials. The same canonicalisation signs requests for the simulator's own tests;
 * it is pinned to the worked example in AWS's documentation (see s3.test.ts), and the real
 * Litestream binary (aws-sdk-go v1) is the independent client that proves the verifier.
 *
 * S3 specifics kept: the path is not double-encoded (S3 signs the URI-encoded object key once),
 * `x-amz-content-sha256` is required and is the payload hash of the canonical request, and the
 * credential scope must name the simulator's region and the `s3` service.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { authMalformed, S3Error } from './errors';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
export const EMPTY_SHA256 = sha256('');

/** URI-encodes like AWS: everything but A-Z a-z 0-9 - _ . ~ (and `/` when `keepSlash`). */
export function awsUriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Splits a raw query string into decoded pairs ('+' is a space, as S3 reads query strings). */
export function queryPairs(rawQuery: string): Array<[string, string]> {
  if (!rawQuery) return [];
  return rawQuery.split('&').filter(Boolean).map((part) => {
    const eq = part.indexOf('=');
    const [k, v] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    const dec = (x: string): string => decodeURIComponent(x.replace(/\+/g, ' '));
    return [dec(k), dec(v)];
  });
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [awsUriEncode(k, false), awsUriEncode(v, false)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export interface SignInput {
  method: string;
  /** The decoded path, e.g. `/bucket/key with space`. */
  path: string;
  query: Array<[string, string]>;
  /** Lower-case header names. Must include host, x-amz-date and x-amz-content-sha256. */
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(input: SignInput): string {
  const headerLines = input.signedHeaders.map((h) => `${h}:${(input.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [input.method, awsUriEncode(input.path, true), canonicalQuery(input.query), headerLines, input.signedHeaders.join(';'), input.payloadHash].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
}

/** Client side (tests): returns the Authorization header for `input` signed with `cred`. */
export function authorization(input: SignInput, cred: Credential, region: string): string {
  const amzDate = input.headers['x-amz-date'] ?? '';
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/s3/aws4_request`;
  const sig = hmac(signingKey(cred.secretAccessKey, date, region, 's3'), stringToSign(amzDate, scope, canonicalRequest(input))).toString('hex');
  return `AWS4-HMAC-SHA256 Credential=${cred.accessKeyId}/${scope},SignedHeaders=${input.signedHeaders.join(';')},Signature=${sig}`;
}

interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuth {
  if (!header.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new S3Error(400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  const fields = new Map<string, string>();
  for (const part of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signed || !signature) throw authMalformed('the Credential, SignedHeaders and Signature elements are all required.');
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') throw authMalformed(`incorrect terminal "${parts[4] ?? ''}". This endpoint uses "aws4_request".`);
  const [accessKeyId = '', date = '', region = '', service = ''] = parts;
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export interface VerifyRequest {
  method: string;
  path: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Verifies the request's signature; returns the access key on success. The payload hash is only
 * declared here — the caller compares it with the body it reads (XAmzContentSHA256Mismatch).
 */
export function verify(req: VerifyRequest, creds: Credential[], region: string, now = Date.now()): string {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header === '') {
    if (/(^|&)X-Amz-Algorithm=/.test(req.rawQuery)) throw new S3Error(501, 'NotImplemented', 'Presigned (query string) authentication is not implemented by the simulator');
    throw new S3Error(403, 'AccessDenied', 'Access Denied');
  }
  const auth = parseAuthorization(header);
  const cred = creds.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!cred) throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: auth.accessKeyId });
  if (auth.region !== region) throw authMalformed(`the region '${auth.region}' is wrong; expecting '${region}'`, { Region: region });
  if (auth.service !== 's3') throw authMalformed(`incorrect service "${auth.service}". This endpoint belongs to "s3".`);
  const str = (name: string): string => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(',') : (v ?? '');
  };
  const payloadHash = str('x-amz-content-sha256');
  if (!payloadHash) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (payloadHash.startsWith('STREAMING-')) throw new S3Error(501, 'NotImplemented', 'Chunked (streaming) payload signing is not implemented by the simulator');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3Error(400, 'InvalidArgument', "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.", { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash });
  }
  const amzDate = str('x-amz-date');
  const m = AMZ_DATE.exec(amzDate);
  if (!m) throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (auth.date !== amzDate.slice(0, 8)) throw authMalformed(`Invalid credential date "${auth.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  const when = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Math.abs(now - when) > 15 * 60_000) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: amzDate,
      ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      MaxAllowedSkewMilliseconds: '900000',
    });
  }
  if (!auth.signedHeaders.includes('host')) throw authMalformed('the SignedHeaders element must include host.');
  const headers: Record<string, string> = {};
  for (const h of auth.signedHeaders) headers[h] = str(h);
  const input: SignInput = { method: req.method, path: req.path, query: queryPairs(req.rawQuery), headers, signedHeaders: auth.signedHeaders, payloadHash };
  const canonical = canonicalRequest(input);
  const scope = `${auth.date}/${auth.region}/s3/aws4_request`;
  const toSign = stringToSign(amzDate, scope, canonical);
  const expected = hmac(signingKey(cred.secretAccessKey, auth.date, auth.region, 's3'), toSign);
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    const hexBytes = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: auth.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: auth.signature,
      StringToSignBytes: hexBytes(toSign),
      CanonicalRequest: canonical,
      CanonicalRequestBytes: hexBytes(canonical),
    });
  }
  return cred.accessKeyId;
}
