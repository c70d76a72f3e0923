/**
 * Secrets leak in the forms tools print them in: the redactor registers every common encoding,
 * and base64 is caught inside longer base64 text whatever the secret's alignment.
 */
import { describe, expect, it } from 'vitest';
import { LineAssembler, REDACTED, Redactor } from '../../src/logs/redact';

const SECRET = 'Tok"en/with+odd&chars é';

function redact(r: Redactor, text: string): string {
  const out: string[] = [];
  const a = new LineAssembler(r, (l) => out.push(l));
  a.push(`${text}\n`);
  a.end();
  return out.join('\n');
}

describe('redaction of encoded secrets', () => {
  const r = new Redactor([SECRET]);
  const bytes = Buffer.from(SECRET, 'utf8');

  it.each([
    ['raw', SECRET],
    ['upper-cased', SECRET.toUpperCase()],
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
    ['percent-encoded', encodeURIComponent(SECRET)],
    ['percent-encoded, lower-case escapes', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['JSON string escaping (kubectl -o json)', JSON.stringify({ token: SECRET })],
    ['base64', bytes.toString('base64')],
    ['base64url', bytes.toString('base64url')],
  ])('%s', (_name, form) => {
    const line = `before ${form} after`;
    const out = redact(r, line);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(form);
    expect(out).toMatch(/^before /);
  });

  it('base64 of a longer value that contains the secret, at every alignment', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
      const b64 = Buffer.from(`${prefix}${SECRET}-and-more`, 'utf8').toString('base64');
      const out = redact(r, `Authorization: Basic ${b64}`);
      // What is left of the base64 no longer decodes to anything holding the secret.
      const leftovers = out.split(REDACTED).join('');
      expect(Buffer.from(leftovers.replace('Authorization: Basic ', ''), 'base64').toString('utf8')).not.toContain('with+odd');
      expect(out).toContain(REDACTED);
    }
  });

  it('leaves ordinary text alone', () => {
    expect(redact(r, 'kubectl get pods -n media -o json')).toBe('kubectl get pods -n media -o json');
  });
});
