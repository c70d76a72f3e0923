/**
 * Lease expiry (resume vs needs_attention by the step's idempotency class), the approval gate
 * bound to the step's params hash, and cancel (queued → immediate, running → flag), against
 * the real Worker in workerd with a 3 s lease TTL and the hub's alarm doing the sweeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness({ AGENT_LEASE_TTL_MS: '3000', HUB_ALARM_GRACE_MS: '200' });
});
afterAll(async () => {
  await h?.close();
});

describe('lost lease', () => {
  it('an idempotent step interrupted by a vanished agent is resumed by another agent', async () => {
    const a = await h.enrollAgent({ tags: ['resume'] });
    const b = await h.enrollAgent({ tags: ['resume'] });
    const id = await h.createJob('agent-selftest', {}, ['resume']);
    const job = (await a.wait()).body.job!;
    expect((await a.startStep(job, 0)).body.status).toBe('ok');
    // Agent A vanishes. The hub's alarm requeues the job and wakes B, which is long-polling.
    let next = null;
    for (let i = 0; i < 10 && !next; i++) next = (await b.wait(2000)).body.job;
    expect(next).toMatchObject({ id, attempt: 2 });
    expect(next!.steps[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await a.heartbeat(job)).status).toBe(409); // A can never act on it again
    expect((await a.finishStep(job, 0)).status).toBe(409);
    expect((await b.startStep(next!, 0)).body.status).toBe('ok');
    const d = await h.admin(`/jobs/${id}`);
    expect(d.body).toMatchObject({ status: 'running', attempt: 2 });
    expect(d.body.steps[0].attempts).toBe(2);
  });

  it('a non-idempotent step running when its agent vanished goes to needs_attention, never retried', async () => {
    const a = await h.enrollAgent({ tags: ['ni'] });
    const b = await h.enrollAgent({ tags: ['ni'] });
    const id = await h.createJob('agent-selftest', {}, ['ni']);
    const job = (await a.wait()).body.job!;
    await a.startStep(job, 0);
    await a.finishStep(job, 0);
    expect((await a.startStep(job, 1)).body.status).toBe('ok'); // 'change' is non-idempotent
    let status = '';
    for (let i = 0; i < 40 && status !== 'needs_attention'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await h.admin(`/jobs/${id}`)).body.status;
    }
    expect(status).toBe('needs_attention');
    const d = await h.admin(`/jobs/${id}`);
    expect(d.body.steps[1]).toMatchObject({ status: 'needs_attention' });
    expect(d.body.error).toMatchObject({ code: 'LEASE_LOST' });
    expect((await b.wait(500)).body.job).toBeNull();
    // An operator may retry it explicitly; succeeded steps stay done.
    expect((await h.admin(`/jobs/${id}/retry`, { method: 'POST' })).body.status).toBe('queued');
    const again = (await b.wait()).body.job!;
    expect(again.steps.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending']);
  });

  it('a heartbeat keeps the lease alive past the TTL', async () => {
    const a = await h.enrollAgent({ tags: ['hb'] });
    await h.createJob('agent-selftest', {}, ['hb']);
    const job = (await a.wait()).body.job!;
    expect((await a.startStep(job, 0)).body.status).toBe('ok');
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const hb = await a.heartbeat(job, { progress: { stepIndex: 0, done: i, total: 5, unit: 'items' } });
      expect(hb.status).toBe(200);
    }
    expect((await a.finishStep(job, 0)).status).toBe(200);
    expect((await h.admin(`/jobs/${job.id}`)).body.progress).toMatchObject({ done: 4, total: 5 });
  });
});

describe('approval gate', () => {
  it('blocks the step, releases the lease, and re-offers the job once approved with the step hash', async () => {
    const a = await h.enrollAgent({ tags: ['appr'] });
    const id = await h.createJob('approval-selftest', { note: 'go' }, ['appr']);
    const job = (await a.wait()).body.job!;
    expect((await a.startStep(job, 0)).body.status).toBe('ok');
    await a.finishStep(job, 0);
    expect((await a.startStep(job, 1)).body.status).toBe('awaiting_approval');
    expect((await a.heartbeat(job)).status).toBe(409); // no lease while waiting
    let d = await h.admin(`/jobs/${id}`);
    expect(d.body).toMatchObject({ status: 'awaiting_approval', leaseExpiresAt: null });
    expect((await a.wait(300)).body.job).toBeNull(); // not offered while unapproved

    expect((await h.admin(`/jobs/${id}/approve`, { json: { step: 0 } })).status).toBe(400); // needs no approval
    expect((await h.admin(`/jobs/${id}/approve`, { json: { step: 9 } })).status).toBe(400);
    const parked = a.wait(3000);
    await new Promise((r) => setTimeout(r, 200));
    const ok = await h.admin(`/jobs/${id}/approve`, { json: { step: 1 } });
    expect(ok.status).toBe(200);
    expect(ok.body.approval).toMatchObject({ stepIndex: 1, paramsHash: d.body.steps[1].paramsHash, approvedBy: 'test' });
    expect((await h.admin(`/jobs/${id}/approve`, { json: { step: 1 } })).status).toBe(409); // duplicate
    const again = await a.nextJob(parked);
    expect(again).toMatchObject({ id, attempt: 2 });
    expect(again.approvals[0]).toMatchObject({ stepIndex: 1 });
    expect((await a.startStep(again, 1)).body.status).toBe('ok');
    d = await h.admin(`/jobs/${id}`);
    expect(d.body.approvals).toHaveLength(1);
  });

  it('an approval bound to other params does not open the gate', async () => {
    const a = await h.enrollAgent({ tags: ['appr2'] });
    const id = await h.createJob('approval-selftest', { note: 'one' }, ['appr2']);
    // An approval row whose hash was computed over different params (e.g. tampered after approval).
    await h.db.raw.query(`INSERT INTO job_approvals (id, job_id, step_index, params_hash, approved_by) VALUES ('apr_x', $1, 1, $2, 'token:test')`, [id, 'f'.repeat(64)]);
    const job = (await a.wait()).body.job!;
    await a.startStep(job, 0);
    await a.finishStep(job, 0);
    expect((await a.startStep(job, 1)).body.status).toBe('awaiting_approval');
  });
});

describe('cancel', () => {
  it('cancels a queued job at once; it is never offered', async () => {
    const a = await h.enrollAgent({ tags: ['cq'] });
    const id = await h.createJob('agent-selftest', {}, ['cq']);
    const r = await h.admin(`/jobs/${id}/cancel`, { method: 'POST' });
    expect(r.body.status).toBe('cancelled');
    expect((await a.wait(300)).body.job).toBeNull();
    expect((await h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('flags a running job: the next heartbeat says so, a long heartbeat wakes at once', async () => {
    const a = await h.enrollAgent({ tags: ['cr'] });
    const id = await h.createJob('agent-selftest', {}, ['cr']);
    const job = (await a.wait()).body.job!;
    await a.startStep(job, 0);
    expect((await a.heartbeat(job)).body.cancelRequested).toBe(false);
    const longBeat = a.heartbeat(job, { waitMs: 2000 });
    await new Promise((r) => setTimeout(r, 200));
    expect((await h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).body.status).toBe('running');
    expect((await longBeat).body.cancelRequested).toBe(true);
    expect((await a.logs(job, [{ seq: 0, offset: 0, data: 'stopping\n' }])).body.cancelRequested).toBe(true);
    expect((await a.finishStep(job, 0, 'failed')).body.cancelRequested).toBe(true);
    expect((await a.startStep(job, 1)).body.status).toBe('cancelled');
    expect((await a.finish(job, 'cancelled', ['stopping\n'])).body).toMatchObject({ ok: true, status: 'cancelled' });
    const d = await h.admin(`/jobs/${id}`);
    expect(d.body.steps.map((s: any) => s.status)).toEqual(['failed', 'cancelled', 'cancelled']);
  });
});
