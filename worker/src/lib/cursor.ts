/**
 * @module
 * Opaque keyset cursors: the sort key of the last row of a page (e.g. `[receivedAt, id]`) as
 * base64url JSON. Keyset rather than offset, so pages stay stable while new rows arrive.
 *
 * Every part of a cursor is typed and checked before it reaches SQL, so a tampered cursor is a
 * 400, never a 500: a time must be a real UTC instant in Postgres's range, written with
 * microseconds; an id must look like an id; text must be storable.
 *
 * Timestamps travel as Postgres renders them, to the microsecond ({@link timeKey}): Postgres
 * keeps microseconds, a JS Date only milliseconds, and a cursor cut to the millisecond skips
 * every row that shares the last row's millisecond but sorts after it.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { AppError } from '../errors';
import { isStorableText } from '../contracts/storable';
import { fromBase64Url, toBase64Url } from './crypto';

export type CursorValue = string | number | null;

export function encodeCursor(values: CursorValue[]): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(values)));
}

function invalidCursor(): AppError {
  return new AppError('BAD_REQUEST', 'The cursor is invalid. Start again without one.');
}

/** Decodes a cursor with exactly `arity` string/number values, else 400 BAD_REQUEST. */
export function decodeCursor(cursor: string, arity: number): CursorValue[] {
  try {
    const values: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(cursor)));
    if (Array.isArray(values) && values.length === arity && values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) {
      return values as CursorValue[];
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** What one part of a keyset cursor is: a timestamp ({@link timeKey}), a row id, or sort text. */
export type KeyPart = 'time' | 'id' | 'text';

const TIME_KEY = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT_KEY = 1000;

/** A {@link timeKey} string that names a real instant between years 1 and 9999, else false. */
function isTimeKey(v: string): boolean {
  const m = TIME_KEY.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  // Rejects 2026-02-30, 25:00 and friends: they would not round-trip.
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
}

const CHECKS: Record<KeyPart, (v: CursorValue) => boolean> = {
  time: (v) => typeof v === 'string' && isTimeKey(v),
  id: (v) => typeof v === 'string' && ID.test(v),
  text: (v) => typeof v === 'string' && v.length <= MAX_TEXT_KEY && isStorableText(v),
};

/** Decodes a cursor whose parts have the given kinds, checking each; any mismatch → 400. */
export function decodeKeyset(cursor: string, parts: readonly KeyPart[]): string[] {
  const values = decodeCursor(cursor, parts.length);
  if (!values.every((v, i) => CHECKS[parts[i]!](v))) throw invalidCursor();
  return values as string[];
}

/** A timestamp column as the cursor carries it: UTC, to the microsecond, e.g. `2026-01-02T03:04:05.123456Z`. */
export function timeKey(col: AnyPgColumn): SQL<string> {
  return sql<string>`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * Rows strictly after `(key, id)` in `(sortKey, idCol)` order (`desc` or `asc`). `sortKey` is the
 * expression the query orders by; `time` keys compare as timestamptz, so the index still serves.
 */
export function afterKeyset(order: 'asc' | 'desc', sortKey: SQL | AnyPgColumn, idCol: AnyPgColumn, key: string, id: string, kind: 'time' | 'text'): SQL {
  const k = kind === 'time' ? sql`${key}::timestamptz` : sql`${key}`;
  return order === 'desc'
    ? sql`(${sortKey} < ${k} OR (${sortKey} = ${k} AND ${idCol} < ${id}))`
    : sql`(${sortKey} > ${k} OR (${sortKey} = ${k} AND ${idCol} > ${id}))`;
}

/** Slices one extra row off a `limit + 1` query and makes the next cursor from the last kept row. */
export function paginate<T>(rows: T[], limit: number, keyOf: (row: T) => CursorValue[]): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
