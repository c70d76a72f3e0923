/**
 * Previews (dry runs) through the real Worker in workerd: a preview asks no approval (its steps
 * start without one); only an agent that says it runs previews gets one, and it is told it is a
 * dry run; "Run it for real" makes a new job from the preview's stored params — approvals asked
 * again — and only from a preview.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness({ AGENT_LEASE_TTL_MS: '30000' });
});
afterAll(async () => {
  await h?.close();
});

describe('previews (dry runs)', () => {
  it('runs every step without an approval, and the agent knows it is a dry run', async () => {
    const a = await h.enrollAgent({ tags: ['pv'] });
    const created = await h.admin('/jobs', { json: { kind: 'approval-selftest', params: { note: 'drop it' }, tags: ['pv'], dryRun: true } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ dryRun: true, status: 'queued' });
    expect(created.body.steps.map((s: { needsApproval: boolean }) => s.needsApproval)).toEqual([false, false]);
    // An agent that does not say it runs previews (one older than them) is never handed one.
    const old = await h.enrollAgent({ tags: ['pv'] });
    expect((await old.wait(0)).body.job).toBeNull();
    const job = (await a.wait(undefined, undefined, { previews: true })).body.job!;
    expect(job).toMatchObject({ id: created.body.id, dryRun: true });
    for (const i of [0, 1]) {
      expect((await a.startStep(job, i)).body.status).toBe('ok');
      expect((await a.finishStep(job, i)).status).toBe(200);
    }
    const list = await h.admin('/jobs?limit=5');
    expect(list.body.items.find((j: { id: string }) => j.id === job.id)).toMatchObject({ dryRun: true });
  });

  it('"run it for real" makes a new job with the same kind, params and tags, approvals asked', async () => {
    const preview = await h.admin('/jobs', { json: { kind: 'approval-selftest', params: { note: 'ship' }, tags: ['pv2'], dryRun: true } });
    const real = await h.admin(`/jobs/${preview.body.id}/run`, { method: 'POST' });
    expect(real.status).toBe(201);
    expect(real.body.id).not.toBe(preview.body.id);
    expect(real.body).toMatchObject({ kind: 'approval-selftest', dryRun: false, tags: ['pv2'], params: { note: 'ship', applyMs: 0 } });
    expect(real.body.steps[1]).toMatchObject({ needsApproval: true, paramsHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const a = await h.enrollAgent({ tags: ['pv2'] });
    // The preview is older, but this agent did not say it runs previews: it gets the real job.
    expect((await a.wait()).body.job).toMatchObject({ id: real.body.id, dryRun: false });
  });

  it('refuses what is not a preview, what does not exist, and bad input', async () => {
    const realJob = await h.admin('/jobs', { json: { kind: 'agent-selftest', params: {}, tags: ['nobody'] } });
    expect(realJob.body.dryRun).toBe(false);
    const again = await h.admin(`/jobs/${realJob.body.id}/run`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/not a preview/);
    expect((await h.admin('/jobs/job_doesnotexist/run', { method: 'POST' })).status).toBe(404);
    expect((await h.admin(`/jobs/${'x'.repeat(200)}/run`, { method: 'POST' })).status).toBe(400);
    for (const dryRun of ['yes', 1, null, { a: 1 }]) {
      const r = await h.admin('/jobs', { json: { kind: 'agent-selftest', params: {}, dryRun } });
      expect(r.status, JSON.stringify(dryRun)).toBe(400);
      expect(JSON.stringify(r.body)).not.toMatch(/stack|at \w+ \(/);
    }
  });
});
