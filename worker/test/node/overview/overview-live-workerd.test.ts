/**
 * The dashboard stream in workerd with the real Hub Durable Object, over a real socket: an agent
 * enrolling shows up online, a job it runs appears with its heartbeat progress, a gated step
 * appears as an approval waiting (with its step, for the link to the approval) and in the badges
 * stream, approving clears it, and revoking the agent takes it off the list — every change pushed,
 * none polled for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../../src/contracts';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { readSse, type SseReader } from '../../support/sse';

let h: JobsHarness;

beforeAll(async () => {
  h = await startJobsHarness();
});
afterAll(async () => {
  await h?.close();
});

async function open(scope: 'overview' | 'badges'): Promise<SseReader> {
  const abort = new AbortController();
  const res = await fetch(`${h.server.url}/api/overview/stream?scope=${scope}`, { headers: { authorization: `Bearer ${h.adminToken}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  return readSse(res, abort);
}

type O = { agents: { online: number; total: number; items: Array<{ name: string; online: boolean }> }; runningJobs: Array<{ id: string; progress: { done?: number; message?: string } | null; stepTitle: string | null; agentName: string | null }>; approvals: Array<{ jobId: string; stepIndex: number; stepTitle: string }>; badges: { approvals: number }; firstRun: { agentEnrolled: boolean } };

describe('stats in workerd', () => {
  it("knows IANA time zones in the production runtime (Intl there, AT TIME ZONE in Postgres)", async () => {
    const ok = await h.admin('/stats?days=30&tz=Pacific%2FAuckland');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ timeZone: 'Pacific/Auckland', days: 30 });
    expect(ok.body.perDay).toHaveLength(30);
    const bad = await h.admin('/stats?tz=Mars%2FOlympus');
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('tz');
  });
});

describe('the live overview in workerd', () => {
  it('pushes agents, running jobs with progress, approvals and badges as they change', async () => {
    const overview = await open('overview');
    const badges = await open('badges');
    try {
      expect(await overview.waitFor<O>('overview')).toMatchObject({ agents: { total: 0 }, firstRun: { agentEnrolled: false } });
      expect(await badges.waitFor('badges')).toEqual({ conflicts: 0, approvals: 0 });

      const agent = await h.enrollAgent({ name: 'nas-agent' });
      await agent.wait(0);
      const online = await overview.waitFor<O>('overview', (o) => o.agents.online === 1);
      expect(online.agents.items).toEqual([expect.objectContaining({ name: 'nas-agent', online: true })]);
      expect(online.firstRun.agentEnrolled).toBe(true);

      const jobId = await h.createJob('approval-selftest', { note: 'deploy v2' });
      const job = (await agent.nextJob(agent.wait(0))) as ClaimedJob;
      expect(job.id).toBe(jobId);
      expect((await agent.startStep(job, 0)).body.status).toBe('ok');
      expect((await agent.heartbeat(job, { progress: { stepIndex: 0, message: 'copying media', done: 3, total: 10, unit: 'files' } })).status).toBe(200);
      const running = await overview.waitFor<O>('overview', (o) => o.runningJobs.some((j) => j.id === jobId && j.progress?.done === 3));
      expect(running.runningJobs[0]).toMatchObject({ id: jobId, agentName: 'nas-agent', progress: { message: 'copying media', total: 10, unit: 'files' } });

      expect((await agent.finishStep(job, 0)).status).toBe(200);
      expect((await agent.startStep(job, 1)).body.status).toBe('awaiting_approval');
      const gated = await overview.waitFor<O>('overview', (o) => o.approvals.length === 1);
      expect(gated.approvals[0]).toMatchObject({ jobId, stepIndex: 1, stepTitle: 'Apply (needs approval)' });
      expect(gated.runningJobs).toEqual([]);
      expect(gated.badges.approvals).toBe(1);
      expect(await badges.waitFor('badges', (b: { approvals: number }) => b.approvals === 1)).toEqual({ conflicts: 0, approvals: 1 });

      expect((await h.admin(`/jobs/${jobId}/approve`, { json: { step: 1 } })).status).toBe(200);
      await overview.waitFor<O>('overview', (o) => o.approvals.length === 0);
      await badges.waitFor('badges', (b: { approvals: number }) => b.approvals === 0);

      const agentId = (await h.admin('/agents')).body.items[0].id;
      expect((await h.admin(`/agents/${agentId}`, { method: 'DELETE' })).status).toBe(200);
      await overview.waitFor<O>('overview', (o) => o.agents.total === 0);
    } finally {
      overview.close();
      badges.close();
    }
  });
});
