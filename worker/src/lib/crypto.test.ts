import { describe, expect, it } from 'vitest';
import { fromBase64Url, normalizeCode, randomCode, randomSecret, timingSafeEqual, toBase64Url } from './crypto';

describe('one-time codes', () => {
  it('are grouped Crockford base32 that never starts with "-"', () => {
    for (let i = 0; i < 2000; i++) {
      const code = randomCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    }
  });

  it('normalize case, separators and look-alike letters', () => {
    expect(normalizeCode('7k3qx-m2p9a wd4tf_h8nbc')).toBe('7K3QXM2P9AWD4TFH8NBC');
    expect(normalizeCode('O0 Il1')).toBe('00111');
    expect(normalizeCode('')).toBe('');
  });
});

describe('secrets and comparison', () => {
  it('random secrets are URL-safe and round-trip through base64url', () => {
    const s = randomSecret(32);
    expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(toBase64Url(fromBase64Url(s))).toBe(s);
  });

  it('timingSafeEqual compares exactly, lengths included', () => {
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('', '')).toBe(true);
  });
});
