import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldIssuesOf, fieldLabel, humanError, summaryOf } from './issues';
import { parseJobParams } from './job-kinds';
import { PlexConfigUpdate } from './plex';
import { TmdbIdInput } from './plex-matching';

function messages(schema: z.ZodType, value: unknown): Array<[string, string]> {
  const r = schema.safeParse(value, { error: humanError });
  if (r.success) throw new Error('expected a failure');
  return fieldIssuesOf(r.error).map((i) => [i.path, i.message]);
}

describe('fieldLabel', () => {
  it('names the field a person sees', () => {
    expect(fieldLabel(['watchedThreshold'])).toBe('Watched threshold');
    expect(fieldLabel(['params', 'ssh', '0', 'host'])).toBe('Host');
    expect(fieldLabel(['tmdbId'])).toBe('TMDB id');
    expect(fieldLabel(['serverUuid'])).toBe('Server UUID');
    expect(fieldLabel(['trackedAccountIds', 2])).toBe('Tracked account ids');
    expect(fieldLabel([])).toBe('The request');
  });
});

describe('humanError: zod defaults become what a form says', () => {
  it('required, wrong type, sizes, formats, enums and unknown fields', () => {
    const S = z.strictObject({
      host: z.string().min(1),
      name: z.string().min(3).max(5).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      tags: z.array(z.string()).min(1).optional(),
      when: z.iso.datetime().optional(),
      mode: z.enum(['fast', 'slow']).optional(),
      on: z.boolean().optional(),
    });
    expect(messages(S, { port: 0, extra: 1 })).toEqual([
      ['host', 'Host is required.'],
      ['port', 'Port must be at least 1.'],
      ['(root)', 'Unknown field: extra.'],
    ]);
    expect(messages(S, { host: '', name: 'ab', port: 1.5, tags: [], when: 'soon', mode: 'x', on: 'yes' })).toEqual([
      ['host', 'Host is required.'],
      ['name', 'Name must be at least 3 characters.'],
      ['port', 'Port must be a whole number.'],
      ['tags', 'Tags needs at least one entry.'],
      ['when', 'When must be a date and time such as 2025-01-31T20:00:00Z.'],
      ['mode', 'Mode must be one of: fast, slow.'],
      ['on', 'On must be true or false.'],
    ]);
    expect(messages(S, { host: 'h', name: 'abcdefgh', port: 70000 })).toEqual([
      ['name', 'Name must be at most 5 characters.'],
      ['port', 'Port must be at most 65535.'],
    ]);
  });

  it("keeps a schema's own message and puts the field's name in front", () => {
    expect(messages(PlexConfigUpdate, { watchedThreshold: 2 })).toEqual([['watchedThreshold', 'Watched threshold must be between 0 and 1.']]);
    expect(messages(z.object({ tmdbId: TmdbIdInput }), { tmdbId: 'abc' })).toEqual([['tmdbId', 'TMDB id must be a number such as 1396.']]);
    expect(messages(z.object({ tmdbId: TmdbIdInput }), { tmdbId: true })).toEqual([['tmdbId', 'TMDB id is not valid.']]);
    expect(messages(z.object({ tmdbId: TmdbIdInput }), { tmdbId: 0 })).toEqual([['tmdbId', 'TMDB id must be more than 0.']]);
  });

  it('never echoes the input (it may be a secret)', () => {
    const secret = 'sk_live_SECRET_VALUE';
    const all = messages(z.strictObject({ token: z.string().regex(/^pxo_/), n: z.number() }), { token: secret, n: secret });
    expect(JSON.stringify(all)).not.toContain('SECRET_VALUE');
    expect(all).toEqual([
      ['token', 'Token is not in the expected format.'],
      ['n', 'N must be a number.'],
    ]);
  });

  it('job params: the issue from the brief reads "Host is required."', () => {
    const r = parseJobParams('connectivity-check', { ssh: [{}] });
    expect(r).toEqual({ ok: false, issues: [{ path: 'params.ssh.0.host', message: 'Host is required.' }] });
    const hostile = parseJobParams('connectivity-check', { ssh: [{ host: '-oProxyCommand=x' }] });
    expect(!hostile.ok && hostile.issues[0]?.message).toMatch(/^Host must be a hostname, IP address or ssh_config alias/);
  });
});

describe('summaryOf', () => {
  it('leads with the first problem and counts the rest', () => {
    expect(summaryOf([{ path: 'a', message: 'A is required.' }])).toBe('A is required.');
    expect(summaryOf([{ path: 'a', message: 'A is required.' }, { path: 'b', message: 'B is required.' }, { path: 'c', message: 'x' }])).toBe('A is required (and 2 more problems).');
    expect(summaryOf([])).toBe('The request is not valid.');
  });
});
