import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { TestAgentClient } from '../../support/agent-client';

/**
 * Agent presence as the admin sees it (never connected → online → offline on a clean stop),
 * revocation handing back a held job at once, removing revoked agents, and rejecting approvals.
 * The real Worker in workerd (the hub is the real Durable Object) and a real Postgres.
 */
let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness();
});
afterAll(() => h?.close());

async function agentInfo(id: string) {
  const list = await h.admin('/agents');
  return (list.body.items as Array<Record<string, any>>).find((a) => a.id === id)!;
}

async function agentIdOf(a: TestAgentClient): Promise<string> {
  return (await h.db.raw.query<{ id: string }>('SELECT id FROM agents WHERE token_hash = encode(sha256($1::bytea), $2)', [a.token, 'hex'])).rows[0]!.id;
}

describe('presence: online only once connected, offline as soon as it says so', () => {
  it('never_connected after enrolling, online after its first /wait, offline after /offline, online again on the next /wait', async () => {
    const a = await h.enrollAgent({ name: 'den-pi', tags: ['presence'] });
    const id = await agentIdOf(a);
    expect(await agentInfo(id)).toMatchObject({ state: 'never_connected', online: false, lastSeenAt: null });

    expect((await a.wait(0)).status).toBe(200);
    expect(await agentInfo(id)).toMatchObject({ state: 'online', online: true });

    // A long-poll is parked when the daemon stops: /offline ends it and the agent is offline at once.
    const parked = a.wait(2000);
    await new Promise((r) => setTimeout(r, 150));
    const off = await a.call('/offline', { reason: 'SIGTERM' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ ok: true, offlineAt: expect.any(String) });
    expect((await parked).body.job).toBeNull();
    expect(await agentInfo(id)).toMatchObject({ state: 'offline', online: false, offlineAt: off.body.offlineAt });
    // Saying it twice is harmless.
    expect((await a.call('/offline', {})).status).toBe(200);

    expect((await a.wait(0)).status).toBe(200);
    expect(await agentInfo(id)).toMatchObject({ state: 'online' });
  });

  it('/offline: needs the agent token and the protocol header, and refuses a malformed body', async () => {
    const a = await h.enrollAgent({ tags: ['presence2'] });
    expect((await new TestAgentClient(h.server.url).call('/offline', {})).status).toBe(401);
    expect((await new TestAgentClient(h.server.url, a.token, null).call('/offline', {})).status).toBe(426);
    const bad = await a.call('/offline', { reason: 'x'.repeat(300) });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toBe('Reason must be at most 200 characters.');
    expect((await a.call('/offline', { extra: true })).status).toBe(400);
    expect((await a.call('/offline', {}, { raw: '{"reason":' })).status).toBe(400);
  });
});

describe('revoking an agent that holds a job hands the job back at once', () => {
  it('idempotent step running → queued again (and offered to another agent now)', async () => {
    const a = await h.enrollAgent({ tags: ['rv1'] });
    const b = await h.enrollAgent({ tags: ['rv1'] });
    const id = await h.createJob('agent-selftest', {}, ['rv1']);
    const job = (await a.wait()).body.job!;
    expect((await a.startStep(job, 0)).body.status).toBe('ok');
    const agentId = await agentIdOf(a);

    const r = await h.admin(`/agents/${agentId}`, { method: 'DELETE' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ revoked: true, requeued: [id], needsAttention: [] });
    const d = (await h.admin(`/jobs/${id}`)).body;
    expect(d).toMatchObject({ status: 'queued', leaseExpiresAt: null });
    expect(d.steps[0].status).toBe('pending');
    expect((await a.heartbeat(job)).status).toBe(401);
    // Long before the lease would have expired, another agent gets it.
    expect(await b.nextJob(b.wait(2000))).toMatchObject({ id, attempt: 2 });
    // Revoking again changes nothing.
    expect((await h.admin(`/agents/${agentId}`, { method: 'DELETE' })).body).toMatchObject({ revoked: true, requeued: [] });
    expect(await agentInfo(agentId)).toMatchObject({ state: 'revoked', currentJobId: null });
  });

  it('a revocation racing the agent\'s heartbeats always lands (no deadlock between the two)', async () => {
    for (let round = 0; round < 8; round++) {
      const a = await h.enrollAgent({ tags: [`race${round}`] });
      const id = await h.createJob('agent-selftest', {}, [`race${round}`]);
      const job = (await a.wait()).body.job!;
      expect((await a.startStep(job, 0)).body.status).toBe('ok');
      const agentId = await agentIdOf(a);
      // Heartbeats lock the job, then touch the agent; the revocation must take the same order.
      const beats = Array.from({ length: 6 }, () => a.heartbeat(job).catch(() => undefined));
      const r = await h.admin(`/agents/${agentId}`, { method: 'DELETE' });
      await Promise.all(beats);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ revoked: true, requeued: [id] });
    }
  });

  it('non-idempotent step running → needs_attention, saying the agent was revoked', async () => {
    const a = await h.enrollAgent({ tags: ['rv2'] });
    const id = await h.createJob('agent-selftest', {}, ['rv2']);
    const job = (await a.wait()).body.job!;
    await a.startStep(job, 0);
    await a.finishStep(job, 0);
    expect((await a.startStep(job, 1)).body.status).toBe('ok'); // "change" is non-idempotent
    const r = await h.admin(`/agents/${await agentIdOf(a)}`, { method: 'DELETE' });
    expect(r.body).toMatchObject({ requeued: [], needsAttention: [id] });
    const d = (await h.admin(`/jobs/${id}`)).body;
    expect(d).toMatchObject({ status: 'needs_attention', error: { code: 'AGENT_REVOKED' } });
    expect(d.steps.map((s: any) => s.status)).toEqual(['succeeded', 'needs_attention', 'pending']);
  });
});

describe('removing revoked agents from the list', () => {
  it('refuses a working agent, removes a revoked one, 404 after', async () => {
    const a = await h.enrollAgent({ tags: ['rm'] });
    const id = await agentIdOf(a);
    const working = await h.admin(`/agents/${id}/remove`, { method: 'POST' });
    expect(working.status).toBe(409);
    expect(working.body.error.message).toMatch(/Revoke the agent before removing it/);
    await h.admin(`/agents/${id}`, { method: 'DELETE' });
    expect((await h.admin(`/agents/${id}/remove`, { method: 'POST' })).status).toBe(200);
    expect(await agentInfo(id)).toBeUndefined();
    expect((await h.admin(`/agents/${id}/remove`, { method: 'POST' })).status).toBe(404);
    expect((await h.admin(`/agents/a%20b/remove`, { method: 'POST' })).status).toBe(400);
  });
});

describe('rejecting an approval', () => {
  it('fails the job at its gate, naming who rejected it and why; never offered again', async () => {
    const a = await h.enrollAgent({ tags: ['rj'] });
    const id = await h.createJob('approval-selftest', { note: 'drop the table' }, ['rj']);
    const job = (await a.wait()).body.job!;
    await a.startStep(job, 0);
    await a.finishStep(job, 0);
    expect((await a.startStep(job, 1)).body.status).toBe('awaiting_approval');

    expect((await h.admin(`/jobs/${id}/reject`, { json: { step: 0 } })).status).toBe(409); // not the gate it waits at
    expect((await h.admin(`/jobs/${id}/reject`, { json: { step: 9 } })).status).toBe(400);
    expect((await h.admin(`/jobs/${id}/reject`, { json: { step: 1, reason: 'x'.repeat(501) } })).status).toBe(400);
    const r = await h.admin(`/jobs/${id}/reject`, { json: { step: 1, reason: 'not during the film' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'failed' });
    const d = (await h.admin(`/jobs/${id}`)).body;
    expect(d).toMatchObject({ status: 'failed', error: { code: 'REJECTED', rejectedBy: 'test', message: '“Apply (needs approval)” was rejected by test: not during the film' } });
    expect(d.steps.map((s: any) => s.status)).toEqual(['succeeded', 'failed']);
    expect((await a.wait(300)).body.job).toBeNull();
    expect((await h.admin(`/jobs/${id}/reject`, { json: { step: 1 } })).status).toBe(409);
    expect((await h.admin(`/jobs/${id}/approve`, { json: { step: 1 } })).status).toBe(409);
  });
});
