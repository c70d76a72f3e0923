/**
 * @module
 * The worker's single error type and the `onError` handler that turns anything thrown into
 * the shared error body. Unknown errors become an opaque INTERNAL_ERROR carrying only the
 * request id: stack traces and driver messages never reach a client.
 */
import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { codeToStatus, type ErrorBody, type ErrorCode, type FieldIssue } from './contracts';
import type { AppEnv } from './env';
import { isDataException, isDbUnavailableError, isTransactionConflict, postgresErrorOf } from './db/errors';

export class AppError extends HTTPException {
  readonly code: ErrorCode;
  readonly issues?: FieldIssue[];
  /** Sent as Retry-After (429/503). */
  readonly retryAfterSeconds?: number;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; issues?: FieldIssue[]; retryAfterSeconds?: number } = {}) {
    super(codeToStatus[code] as ContentfulStatusCode, { message, cause: opts.cause });
    this.code = code;
    if (opts.issues) this.issues = opts.issues;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** An address past its refusal budget (unknown secrets, codes, tokens): 429, decided without a query. */
export function tooManyRefusals(retryAfterSeconds: number): AppError {
  return new AppError('RATE_LIMITED', 'Too many refused requests from this address. Try again later.', { retryAfterSeconds });
}

export function errorBody(code: ErrorCode, message: string, requestId: string, issues?: FieldIssue[]): ErrorBody {
  return { error: { code, message, requestId, ...(issues ? { issues } : {}) } };
}

const statusToCode: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  if (err instanceof AppError) {
    if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
    if (err.status >= 500) c.get('logger')?.error(err.message, { code: err.code, cause: String(err.cause ?? '') });
    return c.json(errorBody(err.code, err.message, requestId, err.issues), err.status);
  }
  if (err instanceof HTTPException) {
    // Hono's own (e.g. bodyLimit): keep the status, give it our shape.
    const code = statusToCode[err.status] ?? 'INTERNAL_ERROR';
    return c.json(errorBody(code, err.message || code, requestId), err.status);
  }
  if (isDbUnavailableError(err)) {
    c.get('logger')?.error('database unavailable', { error: String(err) });
    return c.json(errorBody('DB_UNAVAILABLE', 'The database is unavailable. Try again shortly.', requestId), 503);
  }
  if (isTransactionConflict(err)) {
    const pg = postgresErrorOf(err)!;
    c.get('logger')?.error('transaction conflict; rolled back', { sqlstate: pg.code, error: pg.message });
    c.header('Retry-After', '1');
    return c.json(errorBody('DB_UNAVAILABLE', 'The database was busy with a conflicting change and saved nothing. Try again.', requestId), 503);
  }
  if (isDataException(err)) {
    // A safety net: edge validation (contracts/storable.ts) should have refused the value first.
    const pg = postgresErrorOf(err)!;
    c.get('logger')?.warn('a value reached Postgres and was refused', { sqlstate: pg.code, error: pg.message });
    return c.json(errorBody('BAD_REQUEST', `A value in this request cannot be stored: ${pg.message}.`, requestId), 400);
  }
  c.get('logger')?.error('unhandled error', { error: String(err), stack: err.stack });
  return c.json(errorBody('INTERNAL_ERROR', 'Something went wrong on our side.', requestId), 500);
}
