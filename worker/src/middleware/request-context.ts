/**
 * @module
 * First middleware on every request: request id, logger, validated runtime config and a
 * lazily opened DB pool. The pool is opened only when a handler asks for it (unknown routes
 * and static assets never touch Postgres) and closed with waitUntil after the response.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { RuntimeConfig } from '../env';
import { openDb, type DbHandle } from '../db/client';
import { createLogger } from '../lib/logger';
import { newId } from '../lib/crypto';
import { AppError } from '../errors';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{8,128}$/;

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : newId('req');
  c.set('requestId', requestId);
  c.header('X-Request-Id', requestId);
  const logger = createLogger({ requestId });
  c.set('logger', logger);

  const parsed = RuntimeConfig.safeParse(c.env ?? {});
  if (parsed.success) c.set('config', parsed.data);
  let handle: DbHandle | undefined;
  c.set('db', () => {
    handle ??= openDb(requireConfig(c));
    return handle.db;
  });

  try {
    await next();
  } finally {
    if (handle) await afterResponse(c, handle.end());
  }
});

type WaitUntil = { waitUntil(task: Promise<unknown>): void };

/** Lets `task` finish after the response where the runtime allows it; awaits it otherwise. */
export async function afterResponse(c: { executionCtx: WaitUntil }, task: Promise<unknown>): Promise<void> {
  let ctx: WaitUntil | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    // no execution context: plain app.request in Node tests
  }
  if (ctx) ctx.waitUntil(task);
  else await task;
}

function badEnvironment(detail: string): AppError {
  return new AppError('BAD_ENVIRONMENT', `The server is misconfigured: ${detail}.`);
}

/** Config for handlers that need it; a clear 500 BAD_ENVIRONMENT when bindings are wrong. */
export function requireConfig(c: { env: unknown; get(key: 'config'): RuntimeConfig | undefined }): RuntimeConfig {
  const cfg = c.get('config');
  if (cfg) return cfg;
  const parsed = RuntimeConfig.safeParse(c.env ?? {});
  throw badEnvironment(parsed.success ? 'unknown' : parsed.error.issues.map((i) => i.message).join('; '));
}
