/**
 * The live job stream's `status` events, against the real Worker in workerd with a protocol-level
 * agent: one on connect, then one per change — claim, step start, heartbeat progress, step finish,
 * the approval gate (with the hash an approval binds to), the approval, a cancel request — and
 * the end. Every event must parse with the shared contract, and a burst of log chunks that moves
 * nothing else must not repeat the status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStreamEnd, type ClaimedJob } from '../../../src/contracts';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { toChunks } from '../../support/agent-client';
import { openJobStream } from '../../support/job-stream';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness();
});
afterAll(async () => {
  await h?.close();
});

const openStream = (jobId: string) => openJobStream(h.server.url, h.adminToken, jobId);

describe('GET /api/jobs/:id/logs/stream status events', () => {
  it('reports claim, step start, progress, step finish, the approval gate, approval, cancel and the end', async () => {
    const agent = await h.enrollAgent({ name: 'status-agent' });
    const jobId = await h.createJob('approval-selftest', { note: 'ship it' });
    const stream = await openStream(jobId);
    try {
      const first = await stream.nextStatus(() => true);
      expect(first).toMatchObject({ status: 'queued', agent: null, cancelRequested: false, progress: null, awaitingApproval: null, approvals: [] });
      expect(first.steps.map((s) => s.status)).toEqual(['pending', 'pending']);

      const job = (await agent.wait(0)).body.job as ClaimedJob;
      const claimed = await stream.nextStatus((s) => s.status === 'claimed');
      expect(claimed.agent).toMatchObject({ name: 'status-agent', hostname: 'test-host' });
      expect(claimed.attempt).toBe(1);

      expect((await agent.startStep(job, 0)).body.status).toBe('ok');
      const running = await stream.nextStatus((s) => s.steps[0]!.status === 'running');
      expect(running.status).toBe('running');
      expect(running.currentStep).toBe(0);
      expect(running.steps[0]!.startedAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      expect(running.steps[0]!.attempts).toBe(1);

      // Progress arrives with a heartbeat only: the view channel wakes the stream.
      const progress = { stepIndex: 0, message: 'preparing', done: 3, total: 4, unit: 'items' as const };
      expect((await agent.heartbeat(job, { progress })).status).toBe(200);
      expect((await stream.nextStatus((s) => s.progress !== null)).progress).toEqual(progress);

      // Log chunks poke the same channel but change nothing the status carries: no repeat.
      const statusesBefore = stream.events.filter((e) => e.event === 'status').length;
      const lines = ['a\n', 'b\n', 'c\n'];
      for (const chunk of toChunks(lines, 0)) expect((await agent.logs(job, [chunk])).status).toBe(200);

      expect((await agent.finishStep(job, 0, 'succeeded', { prepared: true })).status).toBe(200);
      const finished = await stream.nextStatus((s) => s.steps[0]!.status === 'succeeded');
      expect(finished.steps[0]).toMatchObject({ outputs: { prepared: true }, finishedAt: expect.stringMatching(/Z$/) });
      const chunkEvents = stream.events.filter((e) => e.event === 'chunk');
      expect(chunkEvents.map((e) => e.id)).toEqual(['0', '1', '2']);
      // Exactly one new status (the step finish) since the heartbeat's, chunks notwithstanding.
      expect(stream.events.filter((e) => e.event === 'status').length).toBe(statusesBefore + 1);

      expect((await agent.startStep(job, 1)).body.status).toBe('awaiting_approval');
      const gate = await stream.nextStatus((s) => s.awaitingApproval !== null);
      expect(gate.status).toBe('awaiting_approval');
      expect(gate.steps[1]!.status).toBe('awaiting_approval');
      const detail = await h.admin(`/jobs/${jobId}`);
      expect(gate.awaitingApproval).toEqual({ stepIndex: 1, paramsHash: detail.body.steps[1].paramsHash });

      expect((await h.admin(`/jobs/${jobId}/approve`, { json: { step: 1 } })).status).toBe(200);
      const approved = await stream.nextStatus((s) => s.approvals.length === 1);
      expect(approved).toMatchObject({ status: 'queued', awaitingApproval: null });
      expect(approved.approvals[0]).toMatchObject({ stepIndex: 1, paramsHash: gate.awaitingApproval!.paramsHash, approvedAt: expect.stringMatching(/Z$/) });

      const second = (await agent.wait(0)).body.job as ClaimedJob;
      expect((await agent.startStep(second, 1)).body.status).toBe('ok');
      await stream.nextStatus((s) => s.status === 'running' && s.steps[1]!.status === 'running');
      expect((await h.admin(`/jobs/${jobId}/cancel`, { method: 'POST' })).status).toBe(200);
      expect((await stream.nextStatus((s) => s.cancelRequested)).status).toBe('running');

      expect((await agent.finish(second, 'cancelled', lines)).body).toMatchObject({ ok: true });
      await stream.untilEnd();
      const last = [...stream.events].reverse();
      expect(last[0]!.event).toBe('end');
      expect(JobStreamEnd.parse(JSON.parse(last[0]!.data))).toEqual({ status: 'cancelled' });
      // The end comes right after a final status that already says so.
      expect(last[1]!.event).toBe('status');
      expect(JSON.parse(last[1]!.data)).toMatchObject({ status: 'cancelled', finishedAt: expect.stringMatching(/Z$/) });
    } finally {
      await stream.close();
    }
  });

  it('sends the current status first to a late watcher, then ends at once for a finished job', async () => {
    const jobId = await h.createJob('agent-selftest', {});
    expect((await h.admin(`/jobs/${jobId}/cancel`, { method: 'POST' })).status).toBe(200);
    const stream = await openStream(jobId);
    try {
      await stream.untilEnd();
      expect(stream.events.map((e) => e.event)).toEqual(['status', 'end']);
      expect(JSON.parse(stream.events[0]!.data)).toMatchObject({ status: 'cancelled', cancelRequested: true });
    } finally {
      await stream.close();
    }
  });

  it('answers 404 for an unknown job and 400 for a malformed id, before any stream opens', async () => {
    const missing = await h.admin('/jobs/job_nope/logs/stream');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await h.admin('/jobs/bad%20id/logs/stream')).status).toBe(400);
  });
});
