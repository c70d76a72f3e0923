/** @module Pretty-printed JSON for stored payloads, params and step outputs, with secret-looking values masked. */
import { redactSecrets } from './redact';


export function JsonView({ value, label, testId }: { value: unknown; label: string; testId?: string }) {
  return (
    <pre class="json-view" tabIndex={0} aria-label={label} data-testid={testId}>
      {JSON.stringify(redactSecrets(value), null, 2) ?? 'null'}
    </pre>
  );
}
