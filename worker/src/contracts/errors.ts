/**
 * @module
 * The one error model shared by worker, admin and agent. Every non-2xx JSON body the
 * worker sends has the shape `{ error: { code, message, requestId } }`; clients branch
 * on `code`, never on `message`.
 */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'BAD_REQUEST',
  'INVALID_PAYLOAD',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'LEASE_LOST',
  'GONE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNSUPPORTED_PROTOCOL_VERSION',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'DB_UNAVAILABLE',
  'BAD_ENVIRONMENT',
  'INTERNAL_ERROR',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const codeToStatus = {
  BAD_REQUEST: 400,
  INVALID_PAYLOAD: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  LEASE_LOST: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_PROTOCOL_VERSION: 426,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 502,
  DB_UNAVAILABLE: 503,
  BAD_ENVIRONMENT: 500,
  INTERNAL_ERROR: 500,
} as const satisfies Record<ErrorCode, number>;

export type ErrorStatus = (typeof codeToStatus)[ErrorCode];

/** Field-level problems, e.g. from zod, so forms can point at the right input. */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    requestId: z.string(),
    issues: z.array(FieldIssue).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Whether a client should retry a request that failed with this status. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}
