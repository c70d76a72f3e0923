/**
 * What must survive failures, with the real daemon and the real Worker: kill -9 mid-step (resume
 * or needs_attention by the step's idempotency class), a worker outage (no log line lost:
 * counts and sha256 compared), and graceful/forced stop by signals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { alive, sha256, sleep, spawnedPids, startE2E, stopAgent, type E2E } from './harness';

let e: E2E;
let proxy: TcpProxy;
beforeAll(async () => {
  e = await startE2E();
  proxy = await startTcpProxy(e.h.server.port);
}, 90_000);
afterAll(async () => {
  await proxy?.close();
  await e?.close();
}, 60_000);

const orphans: number[] = [];
afterAll(() => {
  for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('agent resilience', () => {
  it('kill -9 inside an idempotent step: the restarted daemon kills the orphan and resumes the job', async () => {
    const a = await e.enroll(['kill-idem']);
    const first = await a.start();
    const id = await e.h.createJob('agent-selftest', { lines: 2, emitMs: 4000 }, ['kill-idem']);
    await expect.poll(() => spawnedPids(first.stderr()).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const orphan = spawnedPids(first.stderr())[0]!;
    orphans.push(orphan);
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;
    expect(alive(orphan)).toBe(true); // the step's child outlived its daemon

    const second = await a.start();
    try {
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status), 40_000);
      expect(job.status).toBe('succeeded');
      expect(second.stderr()).toMatch(/resuming job|claimed job/);
      expect(alive(orphan)).toBe(false);
      const logs = await e.logs(id);
      expect(job.logSha256).toBe(sha256(logs));
      expect(logs.match(/--- step 1\/3 emit/g)?.length).toBe(2); // ran twice: before and after the kill
    } finally {
      await stopAgent(second);
    }
  }, 90_000);

  it('kill -9 inside a non-idempotent step: not re-run, the job goes to needs_attention', async () => {
    const a = await e.enroll(['kill-ni']);
    const first = await a.start();
    const id = await e.h.createJob('agent-selftest', { lines: 1, changeMs: 60_000 }, ['kill-ni']);
    await e.waitFor(id, (j) => j.steps[1]?.status === 'running');
    await expect.poll(() => spawnedPids(first.stderr()).length, { timeout: 15_000 }).toBeGreaterThan(0);
    orphans.push(...spawnedPids(first.stderr()));
    await sleep(1200); // let the step's first log lines reach the worker
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;

    const second = await a.start();
    try {
      const job = await e.waitFor(id, (j) => j.status === 'needs_attention', 40_000);
      expect(job.steps[0].status).toBe('succeeded');
      expect(job.steps[1].status).toBe('needs_attention');
      expect(job.steps[1].attempts).toBe(1);
      expect(second.stderr()).toContain('is non-idempotent and was interrupted');
      expect(await e.logs(id)).toContain('not running it again; the job needs attention');
      for (const pid of spawnedPids(first.stderr())) expect(alive(pid)).toBe(false);
    } finally {
      await stopAgent(second);
    }
  }, 90_000);

  it('kill -9 mid-step, then a DIFFERENT agent takes over: the log keeps both agents\' lines, in order', async () => {
    const a = await e.enroll(['takeover']);
    const b = await e.enroll(['takeover']);
    const first = await a.start();
    const id = await e.h.createJob('agent-selftest', { lines: 40, lineDelayMs: 100 }, ['takeover']);
    const count = async () => (await e.logs(id)).match(/^selftest line /gm)?.length ?? 0;
    await expect.poll(count, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(5);
    process.kill(first.child.pid!, 'SIGKILL'); // mid idempotent `emit`, some lines already uploaded
    await first.exited;

    const second = await b.start(); // its own config dir: no spool, no state of A's
    try {
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status), 60_000);
      expect(job.status).toBe('succeeded');
      expect(second.stderr()).toMatch(new RegExp(`claimed job ${id} \\(agent-selftest, attempt 2\\)`));
      const logs = await e.logs(id);
      // A's part (up to B's step header) then B's full run: both in order, nothing overwritten.
      const split = logs.indexOf('--- step 1/3 emit', logs.indexOf('--- step 1/3 emit') + 1);
      expect(split).toBeGreaterThan(0);
      const numbers = (text: string) => [...text.matchAll(/^selftest line (\d+)\/40$/gm)].map((m) => Number(m[1]));
      const fromA = numbers(logs.slice(0, split));
      expect(fromA.length).toBeGreaterThanOrEqual(5);
      expect(fromA).toEqual(Array.from({ length: fromA.length }, (_, i) => i + 1));
      expect(numbers(logs.slice(split))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(job.logSha256).toBe(sha256(logs));
      expect(job.logBytes).toBe(Buffer.byteLength(logs));
      // Stored chunks: seq 0..n-1 with contiguous byte offsets across both claims.
      const rows = (await e.h.db.raw.query<{ seq: number; offset: string; data: string }>('SELECT seq, "offset", data FROM job_logs WHERE job_id = $1 ORDER BY seq', [id])).rows;
      let offset = 0;
      rows.forEach((c, i) => {
        expect(c.seq).toBe(i);
        expect(Number(c.offset)).toBe(offset);
        offset += Buffer.byteLength(c.data);
      });
    } finally {
      await stopAgent(second);
    }
  }, 90_000);

  it('worker unreachable for a while: no log line is lost (count and sha256 match)', async () => {
    const a = await e.enroll(['outage'], { server: proxy.url });
    const p = await a.start();
    const n = 1500;
    try {
      const id = await e.h.createJob('agent-selftest', { lines: n, lineDelayMs: 2 }, ['outage']);
      await expect.poll(async () => (await e.logs(id)).length, { timeout: 15_000 }).toBeGreaterThan(0);
      proxy.down();
      await sleep(2500);
      proxy.up();
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status), 60_000);
      expect(job.status).toBe('succeeded');
      expect(proxy.refused).toBeGreaterThan(0);
      expect(p.stderr()).toMatch(/retrying in \d+ ms/);
      const logs = await e.logs(id);
      const numbers = [...logs.matchAll(/^selftest line (\d+)\/1500$/gm)].map((m) => Number(m[1]));
      expect(numbers).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(job.logSha256).toBe(sha256(logs));
      expect(job.logBytes).toBe(Buffer.byteLength(logs));
    } finally {
      proxy.up();
      await stopAgent(p);
    }
  }, 90_000);

  it('first SIGTERM lets the running step finish, then the daemon releases the job and stops', async () => {
    const a = await e.enroll(['graceful']);
    const p = await a.start();
    const id = await e.h.createJob('agent-selftest', { lines: 1, emitMs: 1500 }, ['graceful']);
    await expect.poll(() => spawnedPids(p.stderr()).length, { timeout: 15_000 }).toBeGreaterThan(0);
    p.child.kill('SIGTERM');
    const r = await Promise.race([p.exited, sleep(20_000).then(() => null)]);
    expect(r?.code).toBe(0);
    expect(p.stderr()).toContain('released the job so another agent can take it now');
    // Queued again the moment the daemon exits, not a lease TTL later; the finished step stays done.
    const job = await e.job(id);
    expect(job.status).toBe('queued');
    expect(job.steps[0].status).toBe('succeeded');
    expect(job.steps[1].status).toBe('pending');
    expect(await e.logs(id)).toContain('--- step 1/3 emit'); // the log went up before the release
    // A new daemon picks it up again and finishes it.
    const again = await a.start();
    try {
      expect((await e.waitFor(id, (j) => j.status === 'succeeded', 40_000)).steps[1].status).toBe('succeeded');
    } finally {
      await stopAgent(again);
    }
  }, 90_000);

  it('second SIGTERM cancels the running step (child signalled), third is not needed', async () => {
    const a = await e.enroll(['forced']);
    const p = await a.start();
    const id = await e.h.createJob('agent-selftest', { lines: 1, emitMs: 120_000 }, ['forced']);
    await expect.poll(() => spawnedPids(p.stderr()).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const pid = spawnedPids(p.stderr())[0]!;
    orphans.push(pid);
    p.child.kill('SIGTERM');
    await sleep(200);
    p.child.kill('SIGTERM');
    const r = await Promise.race([p.exited, sleep(20_000).then(() => null)]);
    expect(r?.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(p.stderr()).toContain('second stop signal: cancelling the running step');
    // The step was interrupted, not failed: released as lease expiry would decide (idempotent → requeued).
    const job = await e.waitFor(id, (j) => j.status === 'queued', 30_000);
    expect(job.steps[0].status).toBe('pending');
  }, 90_000);
});
