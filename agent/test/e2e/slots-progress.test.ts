/**
 * The real daemon and the real Worker: a step's progress reaches the job API and the live SSE
 * stream (with the rate filled in), and with two slots a read-only job runs while a long job
 * holds the other slot — where an ordinary job waits its turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJobStream } from '../../../worker/test/support/job-stream';
import { startE2E, stopAgent, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
}, 90_000);
afterAll(async () => {
  await e?.close();
}, 60_000);

describe('progress and slots', () => {
  it('step progress reaches the job API and the live stream, with a rate', async () => {
    const a = await e.enroll(['progress']);
    a.env.PLEXOPS_AGENT_PROGRESS_INTERVAL_MS = '300';
    const p = await a.start();
    try {
      const id = await e.h.createJob('agent-selftest', { lines: 40, lineDelayMs: 100 }, ['progress']);
      const stream = await openJobStream(e.h.server.url, e.h.adminToken, id);
      try {
        const moving = await stream.nextStatus((s) => (s.progress?.done ?? 0) > 0 && s.progress?.total === 40);
        expect(moving.progress).toMatchObject({ stepIndex: 0, unit: 'items', total: 40 });
        const later = await stream.nextStatus((s) => (s.progress?.done ?? 0) > (moving.progress?.done ?? 0) && (s.progress?.rate ?? 0) > 0);
        expect(later.progress?.rate).toBeGreaterThan(0);
        const detail = await e.job(id);
        expect(detail.progress).toMatchObject({ unit: 'items', total: 40 });
        expect(detail.progress.done).toBeGreaterThan(0);
      } finally {
        await stream.close();
      }
      expect((await e.waitFor(id, (j) => j.status === 'succeeded')).status).toBe('succeeded');
    } finally {
      await stopAgent(p);
    }
  }, 90_000);

  it('a read-only job runs while a long job holds the other slot; an ordinary one waits', async () => {
    const a = await e.enroll(['slots']);
    const p = await a.start();
    try {
      const long = await e.h.createJob('agent-selftest', { lines: 1, emitMs: 120_000 }, ['slots']);
      await e.waitFor(long, (j) => j.steps[0]?.status === 'running');
      const ordinary = await e.h.createJob('agent-selftest', { lines: 1 }, ['slots']);
      const check = await e.h.createJob('connectivity-check', { ssh: [{ host: '127.0.0.1', port: e.sshd.port, user: e.sshd.user }] }, ['slots']);
      const done = await e.waitFor(check, (j) => ['succeeded', 'failed'].includes(j.status), 60_000);
      expect(done.status).toBe('succeeded');
      expect((await e.job(long)).status).toBe('running');
      expect((await e.job(ordinary)).status).toBe('queued');

      // The long job ends: the ordinary one gets the slot.
      await e.h.admin(`/jobs/${long}/cancel`, { method: 'POST' });
      expect((await e.waitFor(long, (j) => j.status === 'cancelled', 30_000)).status).toBe('cancelled');
      expect((await e.waitFor(ordinary, (j) => j.status === 'succeeded', 30_000)).status).toBe('succeeded');
    } finally {
      await stopAgent(p);
    }
  }, 150_000);
});
