/**
 * @module
 * The admin's only way to talk to the worker: Hono's `hc` typed by the worker's own route
 * types, so a renamed field breaks the build, not the page. Errors arrive in the shared
 * error shape and are thrown as ApiError.
 */
import { hc } from 'hono/client';
import type { AppType } from '../../worker/src/app';
import type { ErrorBody, ErrorCode, FieldIssue } from '../../worker/src/contracts';

export const client = hc<AppType>(location.origin, { init: { credentials: 'same-origin' } });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    message: string,
    readonly requestId?: string,
    /** Field-level problems (400 BAD_REQUEST), so forms can point at the right input. */
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** Unwraps a typed response: the success body, or an ApiError carrying the server's code. */
type BodyOf<R> = R extends { json(): Promise<infer B> } ? B : never;
type Success<R> = Exclude<BodyOf<R>, ErrorBody>;

export async function unwrap<R extends { ok: boolean; status: number; json(): Promise<unknown> }>(call: Promise<R>): Promise<Success<R>> {
  let res;
  try {
    res = await call;
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check your connection.');
  }
  const body = (await res.json().catch(() => null)) as BodyOf<R> | ErrorBody | null;
  if (!res.ok || body === null) {
    const err = (body as ErrorBody | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'INTERNAL_ERROR', err?.message ?? `Request failed (HTTP ${res.status}).`, err?.requestId, err?.issues ?? []);
  }
  return body as Success<R>;
}
