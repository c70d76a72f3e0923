/**
 * @module
 * Pretty-printed JSON for stored payloads, params and step outputs. Values under keys that look
 * like credentials are masked before rendering: the admin never shows a secret, even one the
 * API happened to return (e.g. a job kind's secret param, or a token inside a stored payload).
 */

const SECRET_KEY = /(secret|token|password|passwd|passphrase|api[-_]?key|authorization|cookie|credential|private[-_]?key)/i;

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 40 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== '' && typeof v !== 'boolean' ? '•••• (hidden)' : redactSecrets(v, depth + 1);
  }
  return out;
}

export function JsonView({ value, label, testId }: { value: unknown; label: string; testId?: string }) {
  return (
    <pre class="json-view" tabIndex={0} aria-label={label} data-testid={testId}>
      {JSON.stringify(redactSecrets(value), null, 2) ?? 'null'}
    </pre>
  );
}
