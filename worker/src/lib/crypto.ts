/**
 * @module
 * Random ids and secrets, hashing of stored secrets, and constant-time comparison. Web Crypto
 * only, so the same code runs in workerd, Node and the agent.
 */
const B64URL = /[+/=]/g;

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(B64URL, (m) => (m === '+' ? '-' : m === '/' ? '_' : ''));
}

export function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A URL-safe random secret with `bytes` bytes of entropy (default 256 bits). */
export function randomSecret(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Prefixed, sortable-enough unique id, e.g. `ses_k3…`. Prefixes say what an id is in logs. */
export function newId(prefix: string): string {
  return `${prefix}_${randomSecret(12)}`;
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Compares two strings without an early exit, so response timing does not reveal how many
 * leading characters of a secret were right. Length is not secret (it is fixed per format).
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const n = Math.max(ea.length, eb.length);
  for (let i = 0; i < n; i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

/** Crockford's base32: no I, L, O or U, so codes read aloud or retyped survive. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A one-time code a person types, e.g. `7K3QX-M2P9A-WD4TF-H8NBC` (5 bits a character: 100 bits
 * by default). It never starts with "-", so `--code CODE` always parses on a command line.
 */
export function randomCode(groups = 4, groupLength = 5): string {
  const bytes = crypto.getRandomValues(new Uint8Array(groups * groupLength));
  const chars = [...bytes].map((b) => CROCKFORD[b & 31]!); // 32 divides 256: no modulo bias
  const out: string[] = [];
  for (let g = 0; g < groups; g++) out.push(chars.slice(g * groupLength, (g + 1) * groupLength).join(''));
  return out.join('-');
}

/** The canonical form of a typed code: case, separators and look-alike letters don't matter. */
export function normalizeCode(input: string): string {
  return input.toUpperCase().replace(/[^0-9A-Z]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}
