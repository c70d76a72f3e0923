/**
 * @module
 * What a failed processing run stores and whether it is worth retrying. The stored error is read
 * by a person in the Activity page, so it is a sentence — never the SQL text a driver error
 * carries ("Failed query: update … params: …"), never a secret. A failure that will recur
 * identically (Postgres refused a value, a query is wrong) is not retried: eight attempts over
 * two hours would only repeat it. Everything else (database unreachable, a TMDB outage, a
 * serialization failure) is retried with backoff.
 */
import { isDbUnavailableError, postgresErrorOf } from '../../db/errors';
import { REDACTED } from '../../contracts/secrets';
import { AppError } from '../../errors';

export interface FailureReport {
  /** A human sentence, secrets redacted, ≤ 500 characters. */
  message: string;
  /** False when the same event would fail the same way on every retry. */
  retryable: boolean;
}

function redacted(msg: string, secrets: string[]): string {
  let out = msg;
  for (const s of secrets) if (s) out = out.split(s).join(REDACTED);
  return out.replace(/(api_key|token|apikey)=[^&\s"]+/gi, `$1=${REDACTED}`).replace(/Bearer\s+\S+/gi, `Bearer ${REDACTED}`).slice(0, 500);
}

export function describeFailure(err: unknown, secrets: string[] = []): FailureReport {
  const pg = postgresErrorOf(err);
  if (isDbUnavailableError(err)) return { message: 'The database was unreachable; processing will be retried.', retryable: true };
  if (pg?.code.startsWith('22')) {
    return {
      message: redacted(`The database refused a value from this delivery (${pg.message}). Retrying cannot help: fix the sender or the code, then replay it.`, secrets),
      retryable: false,
    };
  }
  if (pg?.code.startsWith('42')) {
    return { message: `A database query failed (SQLSTATE ${pg.code}): a bug, not the delivery. Replay it once the bug is fixed.`, retryable: false };
  }
  if (pg) return { message: redacted(`The database could not apply the change (${pg.message}); processing will be retried.`, secrets), retryable: true };
  // Our own errors are written for people; anything else keeps its type, which helps diagnosis.
  const msg = err instanceof AppError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // A driver error without a server error in its chain still carries the query text: never store it.
  if (/Failed query:/i.test(msg)) return { message: 'A database query failed; processing will be retried.', retryable: true };
  return { message: redacted(msg, secrets), retryable: true };
}
