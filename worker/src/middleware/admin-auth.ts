/**
 * @module
 * Admin authentication for /api/*: a bearer admin token or a session cookie, else 401.
 * Cookie-authenticated writes must come from our own origin (CSRF defence on top of
 * SameSite=Lax); bearer requests carry no ambient credentials, so they need no Origin.
 */
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { verifyAdminToken } from '../services/auth/admin-tokens';
import { resolveSession } from '../services/auth/sessions';
import { readSessionCookie } from './session-cookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origins a browser may legitimately send from: this request's own and PUBLIC_URL's. */
function trustedOrigins(c: Context<AppEnv>): string[] {
  const origins = [new URL(c.req.url).origin];
  const pub = c.get('config')?.PUBLIC_URL;
  if (pub) origins.push(new URL(pub).origin);
  return origins;
}

/** Throws FORBIDDEN unless a state-changing browser request comes from a trusted origin. */
export function assertSameOrigin(c: Context<AppEnv>): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  if (origin) {
    if (trustedOrigins(c).includes(origin)) return;
    throw new AppError('FORBIDDEN', 'Cross-origin request refused.');
  }
  // Every current browser sends Origin on non-GET fetches; Sec-Fetch-Site is the fallback.
  if (c.req.header('sec-fetch-site') === 'same-origin') return;
  throw new AppError('FORBIDDEN', 'Cross-origin request refused: the Origin header is missing.');
}

/**
 * Who did it, as a person reads it: the admin token's name, the Plex account's name, the name a
 * sign-in link was made for ("Local admin" by default). Stored in createdBy/approvedBy/decidedBy
 * so history says "approved by Alice", never an id such as "link:local".
 */
export function actorOf(c: Context<AppEnv>): string {
  return c.var.principal?.name ?? 'unknown';
}

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const authz = c.req.header('authorization');
  if (authz !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    const principal = m?.[1] ? await verifyAdminToken(c.var.db(), m[1]) : null;
    if (!principal) throw new AppError('UNAUTHORIZED', 'The admin token is invalid or revoked.');
    c.set('principal', principal);
    return next();
  }
  const secret = readSessionCookie(c);
  const principal = secret ? await resolveSession(c.var.db(), secret) : null;
  if (!principal) throw new AppError('UNAUTHORIZED', secret ? 'Your session has expired. Sign in again.' : 'Sign in to continue.');
  assertSameOrigin(c);
  c.set('principal', principal);
  return next();
});
