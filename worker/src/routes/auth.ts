/**
 * @module
 * Sign-in and sign-out under /auth (outside /api so they need no session). Every write here
 * is Origin-checked too: login CSRF would sign a victim into an attacker's account.
 */
import { Hono } from 'hono';
import { getCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { PlexPinCheckRequest, TokenSignInRequest } from '../contracts';
import { validate } from '../middleware/validate';
import { assertSameOrigin } from '../middleware/admin-auth';
import { requireConfig } from '../middleware/request-context';
import { clearSessionCookie, PIN_COOKIE, readSessionCookie, writePinCookie, writeSessionCookie } from '../middleware/session-cookie';
import { verifyAdminToken } from '../services/auth/admin-tokens';
import { createSession, revokeSession } from '../services/auth/sessions';
import { consumeSignInLink } from '../services/auth/sign-in-links';
import { checkPlexSignIn, startPlexSignIn } from '../services/auth/plex-sign-in';
import { PlexTvClient } from '../services/plex-tv/client';
import { plexClientIdentifier } from '../services/settings';
import type { Context } from 'hono';

/** Said wherever Plex sign-in is off, so the operator knows the one setting that turns it on. */
export const PLEX_SIGN_IN_OFF =
  'Sign in with Plex is off on this server: no Plex account is allowed yet. Set ADMIN_PLEX_ACCOUNT_IDS to your Plex account id(s) — ' +
  'locally "ADMIN_PLEX_ACCOUNT_IDS=1234567 npm start", deployed "npx wrangler secret put ADMIN_PLEX_ACCOUNT_IDS" — and sign in with an admin token or link until then.';

async function plexClient(c: Context<AppEnv>) {
  // Without an allow-list every Plex account would be refused after the plex.tv round trip.
  if (requireConfig(c).ADMIN_PLEX_ACCOUNT_IDS.length === 0) throw new AppError('FORBIDDEN', PLEX_SIGN_IN_OFF);
  const clientIdentifier = await plexClientIdentifier(c.var.db());
  return { clientIdentifier, client: new PlexTvClient({ baseUrl: requireConfig(c).PLEX_TV_URL, clientIdentifier }) };
}

export const authRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    assertSameOrigin(c);
    await next();
  })
  // Public: the sign-in page asks which ways in exist before offering them.
  .get('/methods', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ token: true as const, link: true as const, plex: requireConfig(c).ADMIN_PLEX_ACCOUNT_IDS.length > 0 }, 200);
  })
  .post('/token', validate('json', TokenSignInRequest), async (c) => {
    const principal = await verifyAdminToken(c.var.db(), c.req.valid('json').token);
    if (!principal) throw new AppError('UNAUTHORIZED', 'That admin token is not valid.');
    const s = await createSession(c.var.db(), { principalId: principal.id, principalName: principal.name, via: 'admin-token', userAgent: c.req.header('user-agent') });
    writeSessionCookie(c, s.secret, s.expiresAt);
    return c.json({ signedIn: true as const, name: principal.name }, 200);
  })
  .post('/link', validate('json', z.object({ secret: z.string().min(1).max(100) })), async (c) => {
    const link = await consumeSignInLink(c.var.db(), c.req.valid('json').secret);
    if (!link) throw new AppError('UNAUTHORIZED', 'This sign-in link was already used or has expired. Run "npm run admin:token -- --link" for a new one.');
    const s = await createSession(c.var.db(), { principalId: 'link:local', principalName: link.name, via: 'sign-in-link', userAgent: c.req.header('user-agent') });
    writeSessionCookie(c, s.secret, s.expiresAt);
    return c.json({ signedIn: true as const, name: link.name }, 200);
  })
  .post('/plex/start', async (c) => {
    const { client, clientIdentifier } = await plexClient(c);
    const forward = `${(requireConfig(c).PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/$/, '')}/sign-in?plex=1`;
    const { nonce, response } = await startPlexSignIn(c.var.db(), client, clientIdentifier, forward);
    writePinCookie(c, nonce);
    return c.json(response, 201);
  })
  .post('/plex/check', validate('json', PlexPinCheckRequest), async (c) => {
    const { client } = await plexClient(c);
    const result = await checkPlexSignIn(c.var.db(), client, {
      pinId: c.req.valid('json').pinId,
      nonce: getCookie(c, PIN_COOKIE),
      allowedAccountIds: requireConfig(c).ADMIN_PLEX_ACCOUNT_IDS,
      userAgent: c.req.header('user-agent'),
    });
    if (result.status === 'pending') return c.json({ status: 'pending' as const }, 202);
    deleteCookie(c, PIN_COOKIE, { path: '/auth/plex' });
    writeSessionCookie(c, result.secret, result.expiresAt);
    return c.json({ status: 'signed-in' as const, name: result.name }, 200);
  })
  .post('/sign-out', async (c) => {
    const secret = readSessionCookie(c);
    if (secret) await revokeSession(c.var.db(), secret);
    clearSessionCookie(c);
    return c.json({ signedOut: true as const }, 200);
  });
