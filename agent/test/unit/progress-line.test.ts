/**
 * The exec terminal's progress: one line redrawn in place on a terminal (log lines printed above
 * it), periodic ordinary lines otherwise; the figures read as in the admin. Rate and ETA are
 * filled in from the samples when a step leaves them out.
 */
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/cli/progress-line';
import type { Io } from '../../src/cli/io';
import { ProgressMeter } from '../../src/progress-meter';

const MiB = 1024 ** 2;

function fakeIo(tty: boolean) {
  const out: string[] = [];
  let screen = '';
  const io: Io = { out: (l) => out.push(l), err: () => undefined, tty, write: (t) => (screen += t) };
  return { io, out, screen: () => screen };
}

describe('ProgressLine', () => {
  it('redraws one line in place on a terminal, with log lines above it', () => {
    let now = 0;
    const t = fakeIo(true);
    const line = new ProgressLine(t.io, { now: () => now });
    line.update('step 7/13 transfer', { done: 512 * MiB, total: 2048 * MiB, unit: 'bytes', rate: 100 * MiB, etaSeconds: 15 });
    expect(t.screen()).toBe('\r\x1b[2Kstep 7/13 transfer — 512 MiB of 2.0 GiB · 25 % · 100 MiB/s · about 15 s left');
    now += 50;
    line.update('step 7/13 transfer', { done: 600 * MiB, total: 2048 * MiB, unit: 'bytes' });
    expect(t.screen()).not.toContain('600 MiB'); // redrawn at most every 100 ms
    line.print('[tar] Library/Metadata/a b.jpg');
    expect(t.screen().endsWith('\r\x1b[2K[tar] Library/Metadata/a b.jpg\nstep 7/13 transfer — 600 MiB of 2.0 GiB · 29 %')).toBe(true);
    line.clear();
    expect(t.screen().endsWith('\r\x1b[2K')).toBe(true);
    expect(t.out).toEqual([]);
  });

  it('prints a plain line every few seconds (and at the end) when not on a terminal', () => {
    let now = 0;
    const t = fakeIo(false);
    const line = new ProgressLine(t.io, { now: () => now, everyMs: 5000 });
    for (let done = 1; done <= 100; done++) {
      now += 100;
      line.update('step 1/3 emit', { done, total: 100, unit: 'files' });
    }
    expect(t.out).toEqual([
      'progress: step 1/3 emit — 1 of 100 files · 1 %',
      'progress: step 1/3 emit — 51 of 100 files · 51 %',
      'progress: step 1/3 emit — 100 of 100 files · 100 %',
    ]);
    expect(t.screen()).toBe('');
  });
});

describe('ProgressMeter', () => {
  it('fills rate and ETA from recent samples, keeps what the step gave, restarts on a new unit', () => {
    let now = 0;
    const m = new ProgressMeter(() => now);
    expect(m.fill({ done: 0, total: 1000, unit: 'bytes' })).toEqual({ done: 0, total: 1000, unit: 'bytes' });
    now = 2000;
    expect(m.fill({ done: 200, total: 1000, unit: 'bytes' })).toEqual({ done: 200, total: 1000, unit: 'bytes', rate: 100, etaSeconds: 8 });
    expect(m.fill({ done: 300, total: 1000, unit: 'bytes', rate: 7, etaSeconds: 1 })).toMatchObject({ rate: 7, etaSeconds: 1 });
    now = 3000;
    expect(m.fill({ done: 5, total: 10, unit: 'files' })).toEqual({ done: 5, total: 10, unit: 'files' });
  });
});
