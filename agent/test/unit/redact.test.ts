import { describe, expect, it } from 'vitest';
import { LineAssembler, REDACTED, Redactor, secretsFromEnv, secretsFromParams } from '../../src/logs/redact';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDxK0nKq1lE1mJ1cW0o9Jm8vY0l3s0y2pH6r4u2y1aZqgAAAJh1c2VyQGhv',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

function assemble(r: Redactor, chunks: string[], maxLine?: number): string[] {
  const out: string[] = [];
  const a = new LineAssembler(r, (l) => out.push(l), maxLine);
  for (const c of chunks) a.push(c);
  a.end();
  return out;
}

describe('redaction', () => {
  it('replaces known secrets anywhere in a line', () => {
    const r = new Redactor(['s3cr3t-token']);
    expect(r.redactLine('Authorization: Bearer s3cr3t-token!')).toBe(`Authorization: Bearer ${REDACTED}!`);
  });

  it('ignores values too short to be secrets', () => {
    const r = new Redactor(['1', 'yes']);
    expect(r.redactLine('yes 1')).toBe('yes 1');
  });

  it('redacts a registered multi-line key line by line', () => {
    const r = new Redactor([KEY.replace(/-----.*-----/g, 'x')]); // registered without armour lines
    const lines = assemble(r, [`${KEY}\n`]);
    expect(lines.join('\n')).not.toContain('b3BlbnNzaC1rZXkt');
    expect(lines.join('\n')).not.toContain('QyNTUxOQAAACDx');
  });

  it('blanks any PEM private-key block even when the key was never registered', () => {
    const lines = assemble(new Redactor(), [`before\n${KEY}\nafter\n`]);
    expect(lines).toEqual(['before', REDACTED, REDACTED, REDACTED, REDACTED, 'after']);
  });

  it('catches a secret split across chunk boundaries, byte by byte', () => {
    const secret = 'p4ssw0rd-very-secret';
    const text = `login ok, password=${secret} done\nnext ${secret}\n`;
    const r = new Redactor([secret]);
    const lines = assemble(r, [...text]);
    expect(lines).toEqual([`login ok, password=${REDACTED} done`, `next ${REDACTED}`]);
  });

  it('cuts over-long lines only where no secret can straddle the cut', () => {
    const secret = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (let pad = 0; pad < 40; pad++) {
      const text = `${'x'.repeat(pad)}${secret}${'y'.repeat(50)}${secret}`;
      const r = new Redactor([secret]);
      const out = assemble(r, text.match(/.{1,7}/g) ?? [], 30);
      expect(out.join('')).not.toContain('ABCDEFG');
      expect(out.join('')).toBe(text.split(secret).join(REDACTED));
      for (const l of out) expect(l.length).toBeLessThanOrEqual(30 + secret.length);
    }
  });

  it('finds secrets in env by name and in params by key or listed path', () => {
    expect(secretsFromEnv({ NOMAD_TOKEN: 'abc123456', HOME: '/root', DB_PASSWORD: 'pw-pw-pw', X: undefined })).toEqual(['abc123456', 'pw-pw-pw']);
    expect(secretsFromParams({ a: { apiKey: 'k-123456' }, list: [{ password: 'p-123456' }], note: 'plain', secret: 's' }, ['note'])).toEqual([
      'k-123456',
      'p-123456',
      'plain',
      's',
    ]);
  });

  it('prefers the longest secret when one contains another', () => {
    const r = new Redactor(['abcdef', 'abcdefghij']);
    expect(r.redactLine('abcdefghij')).toBe(REDACTED);
  });
});

describe('secret params by key name', () => {
  it('does not treat the name of an env var (tokenEnv) as a secret', () => {
    expect(secretsFromParams({ nomad: [{ address: 'http://n:4646', tokenEnv: 'NOMAD_TOKEN' }], apiToken: 'real-secret-1' })).toEqual(['real-secret-1']);
  });
});
