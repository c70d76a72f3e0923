/**
 * @module
 * Security headers on every response the Worker makes (the admin's static assets get the same
 * from admin/public/_headers — Workers static assets never run this code). The Worker only
 * answers JSON and event streams, so its CSP allows nothing at all; nothing may frame it, sniff
 * its types or receive a Referer from it. API responses are `no-store` unless a route says
 * otherwise: they carry settings, tokens and personal data that no cache should keep.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const FIXED: Record<string, string> = {
  'Content-Security-Policy': API_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(FIXED)) c.res.headers.set(name, value);
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  // Only meaningful (and only honoured) over https; locally the stack runs on plain http.
  if (new URL(c.req.url).protocol === 'https:') c.res.headers.set('Strict-Transport-Security', 'max-age=31536000');
});
