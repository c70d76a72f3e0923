/**
 * The admin's pure helpers, in Node: time, duration and size formatting; secret masking of
 * rendered JSON (nested, arrays, hostile depth); and the params form's schema side — defaults
 * from the real job kinds' JSON Schema and mapping server issues to form fields.
 */
import { describe, expect, it } from 'vitest';
import { describeJobKinds } from '../../worker/src/contracts';
import { elapsed, formatBytes, formatDuration, formatPercent, relativeTime } from '../src/components/format';
import { redactSecrets } from '../src/components/redact';
import { fieldErrorsFrom, humanize, initialValue, typeOf, type JsonSchema } from '../src/components/params-schema';

describe('format', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  it('says how long ago or until', () => {
    expect(relativeTime('2026-01-10T11:59:58Z', now)).toBe('just now');
    expect(relativeTime('2026-01-10T11:55:00Z', now)).toMatch(/5 minutes ago/);
    expect(relativeTime('2026-01-10T14:00:00Z', now)).toMatch(/in 2 hours/);
    expect(relativeTime('2026-01-08T12:00:00Z', now)).toMatch(/2 days ago/);
    expect(relativeTime('not a date', now)).toBe('—');
  });
  it('formats durations, sizes and percentages', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(900)).toBe('15 min');
    expect(formatDuration(3700)).toBe('1 h 1 min');
    expect(formatDuration(-1)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(formatPercent(0.9234, 1)).toBe('92.3 %');
    expect(formatPercent(null)).toBe('—');
    expect(elapsed('2026-01-10T11:58:00Z', '2026-01-10T11:59:30Z')).toBe('1 min 30 s');
    expect(elapsed(null, null)).toBe('—');
  });
});

describe('redactSecrets', () => {
  it('masks credential-looking keys at any depth and in arrays, keeps flags and empties', () => {
    const out = redactSecrets({
      note: 'hello',
      secret: 's3cr3t',
      nested: { plexToken: 'abc', list: [{ password: 'pw', host: 'nas' }], apiKey: 'k', 'X-Plex-Token': 'xyz' },
      hasPlexToken: true,
      token: null,
      tokenEnv: 'NOMAD_TOKEN',
    }) as Record<string, any>;
    expect(JSON.stringify(out)).not.toMatch(/s3cr3t|"abc"|"pw"|"k"|xyz/);
    expect(out.note).toBe('hello');
    expect(out.nested.list[0].host).toBe('nas');
    expect(out.hasPlexToken).toBe(true);
    expect(out.token).toBeNull();
    // The *name* of an env var holding a token is not itself a secret, but we would rather over-mask.
    expect(out.tokenEnv).toBe('•••• (hidden)');
  });
  it('masks credentials inside URLs', () => {
    const out = redactSecrets({ thumb: 'http://10.0.0.2:32400/photo?url=x&X-Plex-Token=abcDEF123&w=10', tmdb: 'https://api.example/3/find?api_key=k3y' });
    expect(out).toEqual({ thumb: 'http://10.0.0.2:32400/photo?url=x&X-Plex-Token=••••&w=10', tmdb: 'https://api.example/3/find?api_key=••••' });
  });
  it('survives hostile depth without blowing the stack', () => {
    let deep: Record<string, unknown> = { password: 'x' };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const shown = JSON.stringify(redactSecrets(deep));
    expect(shown).toContain('nested too deep to show');
    expect(shown).not.toContain('"x"');
  });
});

describe('params schema', () => {
  const kinds = describeJobKinds();
  const schemaOf = (k: string) => kinds.find((x) => x.kind === k)!.paramsSchema as JsonSchema;

  it('starts every real job kind with its defaults (arrays empty)', () => {
    expect(initialValue(schemaOf('connectivity-check'))).toEqual({ ssh: [], kube: [], nomad: [] });
    expect(initialValue(schemaOf('agent-selftest'))).toMatchObject({ lines: 10, emitMs: 0, changeMs: 0, settleMs: 0 });
    expect(initialValue(schemaOf('agent-selftest'))).not.toHaveProperty('secret');
    expect(initialValue(schemaOf('approval-selftest'))).toEqual({ note: '', applyMs: 0 });
    const item = schemaOf('connectivity-check').properties!.ssh!.items!;
    expect(typeOf(item)).toBe('object');
    expect(initialValue(item)).toEqual({});
  });
  it('maps server issues to form fields', () => {
    expect(
      fieldErrorsFrom([
        { path: 'params.ssh.0.host', message: 'bad host' },
        { path: 'params.ssh.0.host', message: 'second issue on the same field is dropped' },
        { path: 'params', message: 'name at least one target' },
        { path: 'tags.1', message: 'bad tag' },
        { path: '(root)', message: 'ignored: the form level already has one' },
      ]),
    ).toEqual({ 'ssh.0.host': 'bad host', '': 'name at least one target', '@tags.1': 'bad tag' });
  });
  it('labels fields readably', () => {
    expect(humanize('tokenEnv')).toBe('Token env');
    expect(humanize('emitMs')).toBe('Emit ms');
    expect(humanize('server_uuid')).toBe('Server uuid');
  });
});

describe('params schema: unions and declared secrets', () => {
  const union: JsonSchema = {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        oneOf: [
          { type: 'object', required: ['mode'], properties: { mode: { type: 'string', const: 'template' }, image: { type: 'string', default: 'sctx/overseerr:1.33.2' } } },
          { type: 'object', required: ['mode', 'hcl'], properties: { mode: { type: 'string', const: 'hcl' }, hcl: { type: 'string', maxLength: 262144 } } },
        ],
      },
      optional: { anyOf: [{ type: 'object', properties: { kind: { type: 'string', const: 'a' } } }, { type: 'object', properties: { kind: { type: 'string', const: 'b' } } }] },
    },
  };

  it('tells alternatives apart by their constant and starts a required choice at the first', async () => {
    const { unionVariants, unionDiscriminator, variantIndex, initialVariant, isLongText } = await import('../src/components/params-schema');
    const variants = unionVariants(union.properties!.spec!)!;
    expect(typeOf(union.properties!.spec!)).toBe('union');
    expect(unionDiscriminator(variants)).toBe('mode');
    expect(variantIndex(variants, 'mode', { mode: 'hcl' })).toBe(1);
    expect(variantIndex(variants, 'mode', { mode: 'nope' })).toBe(0);
    expect(initialVariant(variants[1]!, 'mode')).toEqual({ mode: 'hcl' });
    expect(initialValue(union)).toEqual({ spec: { mode: 'template', image: 'sctx/overseerr:1.33.2' } });
    expect(isLongText(variants[1]!.properties!.hcl!)).toBe(true);
  });

  it('masks exactly the declared secret params, at any array index', async () => {
    const { isSecretField } = await import('../src/components/params-schema');
    expect(isSecretField('secret', ['secret'])).toBe(true);
    expect(isSecretField('targets.3.token', ['targets.token'])).toBe(true);
    expect(isSecretField('tokenEnv', ['secret'])).toBe(false);
    expect(isSecretField('note', [])).toBe(false);
  });

  it('every kind the worker offers renders: unions have a discriminator', () => {
    const walk = (s: JsonSchema): void => {
      const variants = s.oneOf ?? s.anyOf;
      if (variants) {
        expect(variants.every((v) => Object.values(v.properties ?? {}).some((p) => p.const !== undefined))).toBe(true);
        variants.forEach(walk);
      }
      Object.values(s.properties ?? {}).forEach(walk);
      if (s.items) walk(s.items);
    };
    for (const k of describeJobKinds()) walk(k.paramsSchema as JsonSchema);
  });
});
