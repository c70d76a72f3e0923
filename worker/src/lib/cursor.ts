/**
 * @module
 * Opaque keyset cursors: the sort key of the last row of a page (e.g. `[receivedAt, id]`) as
 * base64url JSON. Keyset rather than offset, so pages stay stable while new rows arrive.
 * A cursor that does not decode is a client error (400), never a 500.
 */
import { AppError } from '../errors';
import { fromBase64Url, toBase64Url } from './crypto';

export type CursorValue = string | number | null;

export function encodeCursor(values: CursorValue[]): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(values)));
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
  throw new AppError('BAD_REQUEST', 'The cursor is invalid. Start again without one.');
}

/** Slices one extra row off a `limit + 1` query and makes the next cursor from the last kept row. */
export function paginate<T>(rows: T[], limit: number, keyOf: (row: T) => CursorValue[]): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
