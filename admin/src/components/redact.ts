/**
 * @module
 * Masks values under keys that look like credentials before anything is rendered: the admin
 * never shows a secret, even one the API happened to return (e.g. a job kind's secret param, or
 * a token inside a stored webhook payload). Booleans (`hasPlexToken: true`) and empties stay.
 */
import { SECRET_NAME } from '../../../worker/src/contracts/secrets';

/** Credentials carried inside URLs (`?X-Plex-Token=…`, `&api_key=…`). */
const SECRET_QUERY = /([?&](?:x-plex-token|api[-_]?key|access[-_]?token|token)=)[^&#\s"']+/gi;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_QUERY, '$1••••');
  if (value === null || typeof value !== 'object') return value;
  // Past this depth nothing is shown: unmasked secrets could hide down there, and a hostile
  // depth would overflow the stack when rendering.
  if (depth > 40) return '… (nested too deep to show)';
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_NAME.test(k) && v !== null && v !== '' && typeof v !== 'boolean' ? '•••• (hidden)' : redactSecrets(v, depth + 1);
  }
  return out;
}
