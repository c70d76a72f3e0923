/**
 * @module
 * The admin session cookie. Over https it is `__Host-plexops_session` (Secure, Path=/, no
 * Domain: the browser guarantees it was set by this exact origin) and it is the only name read:
 * a plain-named cookie can be planted by a sibling subdomain or a plain-http page, so over https
 * it is ignored. Over plain http (local runs) it is `plexops_session`. Always HttpOnly and
 * SameSite=Lax.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

const SECURE_NAME = '__Host-plexops_session';
const PLAIN_NAME = 'plexops_session';
export const PIN_COOKIE = 'plexops_plex_pin';

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, isHttps(c) ? SECURE_NAME : PLAIN_NAME);
}

export function writeSessionCookie(c: Context, secret: string, expiresAt: Date): void {
  const secure = isHttps(c);
  setCookie(c, secure ? SECURE_NAME : PLAIN_NAME, secret, { httpOnly: true, secure, sameSite: 'Lax', path: '/', expires: expiresAt });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SECURE_NAME, { path: '/', secure: true });
  deleteCookie(c, PLAIN_NAME, { path: '/' });
}

export function writePinCookie(c: Context, nonce: string): void {
  setCookie(c, PIN_COOKIE, nonce, { httpOnly: true, secure: isHttps(c), sameSite: 'Lax', path: '/auth/plex', maxAge: 15 * 60 });
}
