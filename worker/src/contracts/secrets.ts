/**
 * @module
 * What every part of plexops calls a secret, in one place (zod-free, so the admin bundle can use
 * it): the marker that replaces a secret value wherever one would be shown, and the pattern of
 * names (object keys, environment variables, form fields) whose values are treated as secrets
 * when nothing more specific is declared. Job kinds declare their secret params and secret
 * environment variables explicitly; this pattern is the safety net for everything else.
 */

/** Shown in place of a secret value: in job logs, API responses, stored errors and the admin. */
export const REDACTED = '[REDACTED]';

/**
 * Names whose values are secrets: `*_TOKEN`, `apiKey`, `password`, `Authorization`, `cookie`,
 * `PRIVATE_KEY`, `access_key`, `credential`… Case-insensitive and unanchored, so it matches the
 * word inside a longer name.
 */
export const SECRET_NAME = /token|secret|passw(or)?d|passphrase|private[-_]?key|api[-_]?key|access[-_]?key|credential|authori[sz]ation|\bauth\b|_auth|auth_|cookie/i;

/** Whether a key or variable name holds a secret by its name alone. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
