/** The in-memory per-address refusal budget: counting, windows, Retry-After, bounded memory. */
import { describe, expect, it } from 'vitest';
import { AddressLimiter } from './address-limiter';

describe('AddressLimiter', () => {
  it('allows the budget per address per minute, then refuses with the seconds left', () => {
    let t = 1_000_000;
    const l = new AddressLimiter(3, () => t);
    expect([1, 2, 3].map(() => l.hit('a').allowed)).toEqual([true, true, true]);
    expect(l.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(l.check('a').allowed).toBe(false);
    expect(l.hit('b').allowed).toBe(true); // addresses are apart
    t += 45_500;
    expect(l.check('a')).toEqual({ allowed: false, retryAfterSeconds: 15 });
    t += 14_500;
    expect(l.check('a').allowed).toBe(true); // a new window
    expect(l.hit('a').allowed).toBe(true);
  });

  it('keeps memory bounded under a flood of distinct addresses', () => {
    const l = new AddressLimiter(1);
    for (let i = 0; i < 25_000; i++) l.hit(`10.0.${i >> 8}.${i & 255}`);
    expect((l as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10_000);
  });
});
