/**
 * @module
 * What Postgres can store, checked at the edge so a hostile or broken value is a 400 with a
 * reason instead of a driver error (500) halfway through a write.
 *
 * - Text: `text` and `jsonb` refuse U+0000 (NUL). A lone UTF-16 surrogate (`\ud800` without its
 *   pair) is not Unicode at all: in a `text` column the driver silently turns it into U+FFFD
 *   (the value changes under you), and `jsonb` refuses its `\ud800` escape. Both are refused.
 * - Integers: `integer` columns hold ±2³¹; JSON numbers beyond 2⁵³ are not even exact in
 *   JavaScript. Every integer that reaches a column is bounded by the column's type.
 *
 * One set of refinements serves worker, admin and agent (contracts are shared), and
 * {@link sanitizeStorable} makes a copy that *can* be stored, for the one place that must keep
 * what arrived even when it is refused: the public webhook.
 *
 * @example
 * const Name = storableText(z.string().min(1).max(100));
 * const bad = findUnstorable({ outputs: { 'a\u0000': 1 } }); // { path: 'outputs.a\\u0000', … }
 */
import { z } from 'zod';

/** Largest value of a Postgres `integer` (int4). */
export const INT4_MAX = 2_147_483_647;
export const INT4_MIN = -2_147_483_648;

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSTORABLE_SOURCE = '\\u0000|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const UNSTORABLE = new RegExp(UNSTORABLE_SOURCE);
const UNSTORABLE_ALL = new RegExp(UNSTORABLE_SOURCE, 'g');

/** Why Postgres cannot store `s`, in words, or null when it can. */
export function unstorableReason(s: string): string | null {
  const m = UNSTORABLE.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'contains a NUL character (\\u0000), which cannot be stored' : 'contains a lone UTF-16 surrogate (not valid Unicode), which cannot be stored';
}

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** Adds the storable-text check to a string schema (keeps its type, so `.min()` etc. still chain before it). */
export function storableText<T extends z.ZodString>(schema: T): T {
  return schema.refine(isStorableText, { error: (iss) => unstorableReason(String(iss.input)) ?? 'cannot be stored' }) as T;
}

/** A string Postgres can store, of at most `max` characters. */
export const StorableString = (max: number) => storableText(z.string().max(max));

export interface UnstorableAt {
  /** Dotted path to the value (or key) that cannot be stored; `(root)` for the value itself. */
  path: string;
  reason: string;
}

const MAX_WALK_DEPTH = 64;

/**
 * The first string (value or object key) anywhere in `value` that Postgres cannot store, or null.
 * JSON-shaped input only (what `JSON.parse` gives); stops at depth {@link MAX_WALK_DEPTH}, which
 * body size limits keep out of reach anyway.
 */
export function findUnstorable(value: unknown, path: string[] = [], depth = 0): UnstorableAt | null {
  const at = (p: string[]) => (p.length ? p.join('.') : '(root)');
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? { path: at(path), reason } : null;
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_WALK_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findUnstorable(value[i], [...path, String(i)], depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value)) {
    const keyReason = unstorableReason(key);
    if (keyReason) return { path: at([...path, JSON.stringify(key).slice(1, -1)]), reason: `key ${keyReason}` };
    const hit = findUnstorable(v, [...path, key], depth + 1);
    if (hit) return hit;
  }
  return null;
}

/** Refines any JSON-shaped schema so no string in it (keys included) is unstorable. */
export function storableJson<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const hit = findUnstorable(value);
    if (hit) ctx.addIssue({ code: 'custom', path: hit.path === '(root)' ? [] : hit.path.split('.'), message: hit.reason });
  }) as unknown as T;
}

/** A copy of `s` Postgres can store: NUL and lone surrogates become U+FFFD (visible, not silently lost). */
export function sanitizeText(s: string): string {
  return isStorableText(s) ? s : s.replace(UNSTORABLE_ALL, '\ufffd');
}

/** A deep copy of JSON-shaped `value` with every string and key passed through {@link sanitizeText}. */
export function sanitizeStorable<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return sanitizeText(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_WALK_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => sanitizeStorable(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[sanitizeText(k)] = sanitizeStorable(v, depth + 1);
  return out as T;
}

/** An integer a Postgres `integer` column holds. */
export const Int4 = z.number().int().min(INT4_MIN).max(INT4_MAX);

/** A non-negative integer bounded by `max` (default: int4). */
export const BoundedInt = (max = INT4_MAX, min = 0) => z.number().int().min(min).max(max);

/** A query-string integer (`?limit=5`) bounded like {@link BoundedInt}. */
export const BoundedIntParam = (max = INT4_MAX, min = 0) => z.coerce.number().int().min(min).max(max);
