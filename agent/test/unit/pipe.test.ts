/**
 * The pipe executor with real processes: a GiB moves byte-exact (the tee's sha256 equals what the
 * receiver computed), backpressure holds memory at a few buffers, cancel and failures stop both
 * sides (process groups, grandchildren included), and the log gets both sides' stderr but never
 * the piped bytes. The direct route (one kernel pipe, nothing copied here) moves the same bytes,
 * takes the sender's progress lines out of the log, and stops the same way.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alive } from '../support/processes';
import { runPipe } from '../../src/executors/pipe';
import { JobLog } from '../../src/logs/job-log';
import { Redactor } from '../../src/logs/redact';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const collect = () => {
  const lines: string[] = [];
  return { lines, log: new JobLog({ redactor: new Redactor([]), sink: { onLine: (l) => lines.push(l) } }) };
};


describe('runPipe', () => {
  it('moves 1 GiB byte-exact between two real processes with bounded memory', async () => {
    const { lines, log } = collect();
    let peak = 0;
    const before = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - before)), 50);
    let reported = 0;
    const r = await runPipe({
      from: ['head', '-c', String(GiB), '/dev/urandom'],
      to: ['sha256sum'],
      toStdout: 'capture',
      env,
      log,
      graceMs: 1000,
      onBytes: (b) => (reported = b),
    });
    clearInterval(sampler);
    expect(r.ok).toBe(true);
    expect(r.bytes).toBe(GiB);
    expect(reported).toBe(GiB);
    expect(r.stdout.split(/\s/)[0]).toBe(r.sha256); // what the receiver saw is what passed the tee
    expect(peak).toBeLessThan(64 * MiB); // buffers, not the stream
    expect(lines.join('\n')).toBe(`$ head -c ${GiB} /dev/urandom | sha256sum`);
    console.log(`pipe: 1 GiB, peak RSS growth ${(peak / MiB).toFixed(1)} MiB`);
  }, 180_000);

  it('applies backpressure: a receiver that does not read holds the sender at a few buffers', async () => {
    const { log } = collect();
    let bytes = 0;
    const done = runPipe({
      from: ['head', '-c', String(256 * MiB), '/dev/zero'],
      // Reads nothing for a while, then everything.
      to: ['sh', '-c', 'sleep 1.5; exec cat >/dev/null'],
      env,
      log,
      graceMs: 1000,
      onBytes: (b) => (bytes = b),
    });
    await new Promise((r) => setTimeout(r, 1000));
    const whileStalled = bytes;
    const r = await done;
    expect(whileStalled).toBeLessThan(8 * MiB);
    expect(r).toMatchObject({ ok: true, bytes: 256 * MiB });
  }, 60_000);

  it('cancel stops both sides and their grandchildren', async () => {
    const { lines, log } = collect();
    const ctl = new AbortController();
    const pids: number[] = [];
    const script = (name: string) => `sleep 60 & echo ${name} $! >&2; wait`;
    const done = runPipe({ from: ['sh', '-c', script('g1')], to: ['sh', '-c', script('g2')], env, log, graceMs: 500, signal: ctl.signal, onSpawn: (p) => pids.push(p) });
    await expect.poll(() => lines.filter((l) => /\[sh\] g[12] \d+/.test(l)).length, { timeout: 10_000 }).toBe(2);
    const grandchildren = lines.flatMap((l) => /\[sh\] g[12] (\d+)/.exec(l)?.[1] ?? []).map(Number);
    ctl.abort();
    const r = await done;
    expect(r).toMatchObject({ cancelled: true, ok: false });
    for (const pid of [...pids, ...grandchildren]) await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
    expect(pids).toHaveLength(2);
  }, 30_000);

  it('a receiver that fails stops the sender; the exit statuses say who failed', async () => {
    const { lines, log } = collect();
    const r = await runPipe({ from: ['cat', '/dev/zero'], to: ['sh', '-c', 'head -c 1000 >/dev/null; echo "tar: Unexpected EOF" >&2; exit 2'], env, log, graceMs: 500 });
    expect(r.ok).toBe(false);
    expect(r.to.code).toBe(2);
    expect(r.from.code === 0).toBe(false);
    expect(lines).toContain('[sh] tar: Unexpected EOF');
  }, 30_000);

  it('logs both sides’ stderr but never the piped bytes; binary on stderr is summarised', async () => {
    const { lines, log } = collect();
    const r = await runPipe({
      from: ['sh', '-c', 'echo reading source >&2; head -c 200000 /dev/urandom; sleep 0.2; head -c 5000 /dev/zero >&2'],
      to: ['sh', '-c', 'cat >/dev/null; echo extracted >&2'],
      env,
      log,
      graceMs: 500,
    });
    expect(r).toMatchObject({ ok: true, bytes: 200_000 });
    expect(lines).toContain('[sh] reading source');
    expect(lines).toContain('[sh] extracted');
    expect(lines.some((l) => /\[sh\] \[\d+ bytes of binary output not logged\]/.test(l))).toBe(true);
    expect(lines.join('\n').length).toBeLessThan(1000);
  }, 30_000);

  it('stops a pipe in which nothing moves for the idle timeout', async () => {
    const { log } = collect();
    const r = await runPipe({ from: ['sleep', '30'], to: ['cat'], env, log, graceMs: 500, idleTimeoutMs: 500 });
    expect(r).toMatchObject({ idle: true, ok: false, bytes: 0 });
  }, 30_000);

  it('dry run prints the pipeline and runs nothing', async () => {
    const { lines, log } = collect();
    const r = await runPipe({ from: ['ssh', 'nas', 'tar', '-c', 'a b'], to: ['kubectl', 'exec', '-i', 'p', '--', 'tar', '-x'], env, log, graceMs: 500, dryRun: true });
    expect(r.ok).toBe(true);
    expect(lines).toEqual([`$ ssh nas tar -c 'a b' | kubectl exec -i p -- tar -x`]);
  });
});

describe('runPipe, route direct (one kernel pipe)', () => {
  const zeros = (n: number) => createHash('sha256').update(Buffer.alloc(n)).digest('hex');

  it('moves the bytes unchanged without copying them here; the sender’s progress lines feed the caller, not the log', async () => {
    const { lines, log } = collect();
    const seen: string[] = [];
    const n = 256 * MiB;
    const r = await runPipe({
      route: 'direct',
      from: ['sh', '-c', `echo "progress 1" >&2; head -c ${n} /dev/zero; echo "progress 2" >&2; echo "done reading" >&2`],
      to: ['sha256sum'],
      toStdout: 'capture',
      env,
      log,
      graceMs: 1000,
      onSenderLine: (l) => (seen.push(l), l.startsWith('progress')),
    });
    expect(r.ok).toBe(true);
    expect(r.stdout.split(/\s/)[0]).toBe(zeros(n));
    expect(r.bytes).toBeUndefined(); // nothing passed through this process to be counted
    expect(r.sha256).toBeUndefined();
    expect(seen).toEqual(['progress 1', 'progress 2', 'done reading']);
    expect(lines).toContain('[sh] done reading');
    expect(lines.some((l) => l.startsWith('[sh] progress'))).toBe(false);
  }, 60_000);

  it('a receiver that fails stops the sender', async () => {
    const { lines, log } = collect();
    const r = await runPipe({ route: 'direct', from: ['cat', '/dev/zero'], to: ['sh', '-c', 'head -c 1000 >/dev/null; echo "tar: Unexpected EOF" >&2; exit 2'], env, log, graceMs: 500 });
    expect(r).toMatchObject({ ok: false, to: { code: 2 } });
    expect(r.from.code === 0).toBe(false);
    expect(lines).toContain('[sh] tar: Unexpected EOF');
  }, 30_000);

  it('cancel stops both sides', async () => {
    const { log } = collect();
    const ctl = new AbortController();
    const pids: number[] = [];
    const done = runPipe({ route: 'direct', from: ['sh', '-c', 'echo started >&2; exec cat /dev/zero'], to: ['sh', '-c', 'exec cat >/dev/null'], env, log, graceMs: 500, signal: ctl.signal, onSpawn: (p) => pids.push(p), onSenderLine: (l) => l === 'started' && (ctl.abort(), true) });
    const r = await done;
    expect(r).toMatchObject({ cancelled: true, ok: false });
    for (const pid of pids) await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
    expect(pids).toHaveLength(2);
  }, 30_000);

  it('idle means no line from the sender for the idle timeout (its progress lines are the movement)', async () => {
    const { log } = collect();
    const seen: string[] = [];
    const r = await runPipe({
      route: 'direct',
      from: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do echo "tick $i" >&2; sleep 0.25; done; exec sleep 30'],
      to: ['cat'],
      env,
      log,
      graceMs: 500,
      idleTimeoutMs: 1500,
      onSenderLine: (l) => (seen.push(l), true),
    });
    expect(r).toMatchObject({ idle: true, ok: false });
    expect(seen).toHaveLength(8); // 2 s of ticks outlasted the 1.5 s timeout: each tick counted as movement
  }, 30_000);
});
