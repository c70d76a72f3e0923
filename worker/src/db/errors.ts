/**
 * @module
 * Tells "the database could not be reached" apart from "the query was wrong". Drizzle
 * wraps driver errors, so walk the cause chain: a Postgres server error carries a SQLSTATE;
 * connection failures (WebSocket refused, timeout, terminated) carry none.
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P|53|3D000|28)/;
const CONNECTION_MESSAGE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|WebSocket|websocket|Connection terminated|connect|timeout exceeded|socket hang up|Network connection lost/i;

function causes(err: unknown): unknown[] {
  const seen: unknown[] = [];
  let cur: unknown = err;
  while (cur && seen.length < 8 && !seen.includes(cur)) {
    seen.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return seen;
}

/** The Postgres server error in `err`'s cause chain (SQLSTATE + its own message, never the SQL), or null. */
export function postgresErrorOf(err: unknown): { code: string; message: string } | null {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && (e as { severity?: unknown }).severity) {
      return { code, message: e instanceof Error ? e.message : String((e as { message?: unknown }).message ?? '') };
    }
  }
  return null;
}

/**
 * Postgres gave up on this transaction because of another one (40001 serialization failure,
 * 40P01 deadlock detected): it was rolled back, nothing of it was written, and the same request
 * sent again succeeds. The caller's fault no more than a database outage is.
 */
export function isTransactionConflict(err: unknown): boolean {
  return /^40(001|P01)$/.test(postgresErrorOf(err)?.code ?? '');
}

/**
 * Postgres refused a *value* (SQLSTATE class 22, data exception: out of range, NUL, bad encoding,
 * bad date): the same input fails the same way every time, so it is the input's fault (400)
 * and retrying it is pointless.
 */
export function isDataException(err: unknown): boolean {
  return postgresErrorOf(err)?.code.startsWith('22') ?? false;
}

export function isDbUnavailableError(err: unknown): boolean {
  const chain = causes(err);
  const pgErr = postgresErrorOf(err);
  if (pgErr) return UNAVAILABLE_SQLSTATE.test(pgErr.code);
  return chain.some((e) => {
    if (e instanceof Event || (e as { type?: unknown })?.type === 'error') return true;
    const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    return CONNECTION_MESSAGE.test(msg) || (e as { code?: unknown })?.code === 'ECONNREFUSED';
  });
}
