import { describe, expect, it } from 'vitest';
import { RestartBudget, restartBudgetFromEnv } from './restart-budget';

describe('RestartBudget', () => {
  it('allows max restarts in any window, then refuses until the oldest one leaves the window', () => {
    const b = new RestartBudget(3, 60_000);
    expect([b.take(0), b.take(10_000), b.take(20_000)]).toEqual([true, true, true]);
    expect(b.take(59_999)).toBe(false);
    expect(b.used(59_999)).toBe(3);
    // a refused attempt is not counted
    expect(b.take(60_000)).toBe(true);
    expect(b.used(60_000)).toBe(3);
    expect(b.take(60_001)).toBe(false);
  });

  it('0 means never restart', () => {
    expect(new RestartBudget(0, 60_000).take(0)).toBe(false);
  });

  it('reads PLEXOPS_WORKER_RESTARTS as <max>/<seconds> and refuses anything else', () => {
    expect(restartBudgetFromEnv(undefined).describe()).toBe('at most 3 per 60 s');
    expect(restartBudgetFromEnv('1/600').describe()).toBe('at most 1 per 600 s');
    for (const bad of ['3', '3/', '-1/60', '3/60s', '1e3/60', '3/60\u0000', '9999/1']) {
      expect(() => restartBudgetFromEnv(bad), bad).toThrow(/PLEXOPS_WORKER_RESTARTS must look like "3\/60"/);
    }
  });
});
