/** What Postgres can store: the shared refinements every edge schema uses. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findUnstorable, isStorableText, sanitizeStorable, storableJson, storableText, unstorableReason } from './storable';

describe('storable text', () => {
  it('refuses NUL and lone surrogates, accepts paired surrogates and everything else', () => {
    for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800', 'end\ud83d']) expect(isStorableText(bad), JSON.stringify(bad)).toBe(false);
    for (const good of ['', 'plain', '😀 emoji (a surrogate pair)', 'ünïcödé', '\u0001\u001f control', '\ufffd']) expect(isStorableText(good), good).toBe(true);
    expect(unstorableReason('a\u0000')).toMatch(/NUL/);
    expect(unstorableReason('a\ud800')).toMatch(/lone UTF-16 surrogate/);
  });

  it('keeps the string schema and its other checks, with a reason as the issue message', () => {
    const Name = storableText(z.string().min(1).max(5));
    expect(Name.safeParse('ok').success).toBe(true);
    expect(Name.safeParse('toolong').success).toBe(false);
    const r = Name.safeParse('a\u0000');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/NUL character/);
  });

  it('finds the first unstorable string or key anywhere in JSON, with its path', () => {
    expect(findUnstorable({ a: [1, { b: 'fine' }] })).toBeNull();
    expect(findUnstorable({ a: [1, { b: 'x\u0000' }] })).toMatchObject({ path: 'a.1.b', reason: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ ok: 1, ['k\ud800']: 1 })).toMatchObject({ path: 'k\\ud800', reason: expect.stringMatching(/^key .*surrogate/) });
    expect(findUnstorable('\u0000')).toMatchObject({ path: '(root)' });
    const Outputs = storableJson(z.record(z.string(), z.unknown()));
    const r = Outputs.safeParse({ stdout: 'a\u0000b' });
    expect(r.error?.issues[0]).toMatchObject({ path: ['stdout'], message: expect.stringMatching(/NUL/) });
  });

  it('sanitises to U+FFFD, keys included, leaving good text and non-strings alone', () => {
    const input = { 'k\u0000': ['a\u0000b', 'c\ud800', '😀', 7, null, true], nested: { deep: 'x\udc00' } };
    const out = sanitizeStorable(input);
    expect(out).toEqual({ 'k\ufffd': ['a\ufffdb', 'c\ufffd', '😀', 7, null, true], nested: { deep: 'x\ufffd' } });
    expect(findUnstorable(out)).toBeNull();
    expect(input['k\u0000'][0]).toBe('a\u0000b'); // a copy, not in place
  });
});
