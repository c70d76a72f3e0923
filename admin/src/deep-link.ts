/**
 * @module
 * Coming back to the page someone asked for after they sign in: `/jobs/job_x` while signed out
 * goes to `/sign-in?next=%2Fjobs%2Fjob_x`, and signing in lands on `/jobs/job_x`. Only a path on
 * this site is followed (no `//host`, no scheme), so the parameter cannot send anyone elsewhere.
 */

/** A same-site path to return to, or null. */
export function safeNext(raw: string | null | undefined): string | null {
  if (!raw || raw.length > 2000) return null;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || /[\u0000-\u001f]/.test(raw)) return null;
  try {
    const u = new URL(raw, 'http://x.invalid');
    if (u.origin !== 'http://x.invalid' || u.pathname === '/sign-in') return null;
    return u.pathname + u.search;
  } catch {
    return null;
  }
}

export function signInPath(requested: string): string {
  const next = safeNext(requested);
  return next && next !== '/' ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in';
}

/** Where to go once signed in, from the sign-in page's query string. */
export function nextPath(search: string): string {
  return safeNext(new URLSearchParams(search).get('next')) ?? '/';
}
