/**
 * Log continuity when a different agent resumes a job (the claim says where the log continues;
 * an earlier claim's chunks are never overwritten; finish checks this claim's range only) and
 * lease release on an agent's graceful stop — against the real Worker in workerd + Postgres.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../../src/contracts';
import { toChunks, type TestAgentClient } from '../../support/agent-client';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness({ AGENT_LEASE_TTL_MS: '3000', HUB_ALARM_GRACE_MS: '200' });
});
afterAll(async () => {
  await h?.close();
});

const bytes = (lines: string[]) => Buffer.byteLength(lines.join(''));

/** Polls `wait` until a job is offered (the hub's alarm requeues expired leases). */
async function waitForJob(agent: TestAgentClient, tries = 10): Promise<ClaimedJob> {
  for (let i = 0; i < tries; i++) {
    const job = (await agent.wait(2000)).body.job;
    if (job) return job;
  }
  throw new Error('no job offered');
}

async function runAllSteps(agent: TestAgentClient, job: ClaimedJob): Promise<void> {
  for (const s of job.steps) {
    if (s.status === 'succeeded') continue;
    expect((await agent.startStep(job, s.index)).body.status).toBe('ok');
    expect((await agent.finishStep(job, s.index)).status).toBe(200);
  }
}

async function storedLog(jobId: string): Promise<Array<{ seq: number; offset: number; data: string }>> {
  const r = await h.db.raw.query<{ seq: number; offset: string; data: string }>('SELECT seq, "offset", data FROM job_logs WHERE job_id = $1 ORDER BY seq', [jobId]);
  return r.rows.map((x) => ({ seq: x.seq, offset: Number(x.offset), data: x.data }));
}

describe('log continuity across agents', () => {
  it('a second agent continues the log where the first left it; nothing is overwritten', async () => {
    const a = await h.enrollAgent({ tags: ['cont'] });
    const b = await h.enrollAgent({ tags: ['cont'] });
    const id = await h.createJob('agent-selftest', {}, ['cont']);
    const first = (await a.wait()).body.job!;
    expect(first).toMatchObject({ logNextSeq: 0, logNextOffset: 0 });
    const aLines = Array.from({ length: 10 }, (_, i) => `A line ${i} — ünïcode\n`);
    expect((await a.startStep(first, 0)).body.status).toBe('ok');
    expect((await a.logs(first, toChunks(aLines, 0))).body.accepted).toBe(10);

    // A vanishes; its lease lapses and B is offered the job, told where the log continues.
    const job = await waitForJob(b);
    expect(job).toMatchObject({ id, attempt: 2, logNextSeq: 10, logNextOffset: bytes(aLines) });

    const bLines = Array.from({ length: 10 }, (_, i) => `B line ${i}\n`);
    const bChunks = toChunks(bLines, 0, { seq: job.logNextSeq!, offset: job.logNextOffset! });
    // A chunk numbered from 0 again (the old bug) is refused rather than replacing A's line…
    const clash = await b.logs(job, [{ seq: 3, offset: 0, data: 'B overwrites\n' }]);
    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({ code: 'CONFLICT' });
    expect(clash.body.error.message).toContain('seq 10');
    // …also when mixed with good chunks (the request is all or nothing)…
    expect((await b.logs(job, [bChunks[0]!, { seq: 9, offset: 0, data: 'x\n' }])).status).toBe(409);
    // …and so is a chunk filling a hole below the claim, but an identical resend is a no-op.
    expect((await b.logs(job, toChunks(aLines, 0).slice(2, 4))).status).toBe(200);

    // Gaps are reported within this claim's range only.
    expect((await b.logs(job, bChunks.filter((c) => c.seq !== 12))).body.accepted).toBe(9);
    // B renews its (short, test-sized) lease as a daemon does, so a loaded machine cannot expire it.
    expect((await b.heartbeat(job)).status).toBe(200);
    await runAllSteps(b, job);
    expect((await b.heartbeat(job)).status).toBe(200);
    const gaps = await b.finish(job, 'succeeded', bLines, 10);
    expect(gaps.body).toMatchObject({ ok: false, reason: 'gaps', missingSeqs: [12] });
    expect((await b.logs(job, [bChunks[2]!])).status).toBe(200);
    // A digest over the wrong bytes asks for this claim's chunks again, never A's.
    const bad = await b.finish(job, 'succeeded', [...bLines.slice(0, 9), 'tampered\n'], 10);
    expect(bad.body).toMatchObject({ ok: false, reason: 'checksum_mismatch', missingSeqs: Array.from({ length: 10 }, (_, i) => 10 + i) });
    const done = await b.finish(job, 'succeeded', bLines, 10);
    expect(done.body).toMatchObject({ ok: true, status: 'succeeded' });

    const stored = await storedLog(id);
    expect(stored.map((c) => c.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(stored.map((c) => c.data)).toEqual([...aLines, ...bLines]);
    let offset = 0;
    for (const c of stored) {
      expect(c.offset).toBe(offset);
      offset += Buffer.byteLength(c.data);
    }
    // The job records its whole log, both claims.
    const whole = [...aLines, ...bLines].join('');
    const d = await h.admin(`/jobs/${id}`);
    expect(d.body).toMatchObject({ status: 'succeeded', logBytes: Buffer.byteLength(whole), logSha256: createHash('sha256').update(whole).digest('hex') });
  });

  it('still accepts the whole-log digest that agents predating logNextSeq send', async () => {
    const a = await h.enrollAgent({ tags: ['legacy'] });
    const id = await h.createJob('agent-selftest', {}, ['legacy']);
    const first = (await a.wait()).body.job!;
    const aLines = ['one\n', 'two\n', 'three\n'];
    await a.logs(first, toChunks(aLines));
    expect((await a.release(first)).body).toMatchObject({ ok: true, status: 'queued' });
    // The same agent claims again and, like an old agent, keeps its whole-log numbering.
    const again = (await a.wait()).body.job!;
    expect(again).toMatchObject({ id, attempt: 2, logNextSeq: 3 });
    const all = [...aLines, 'four\n'];
    // The unacked-looking resend of an old chunk is identical, so it is accepted as a no-op.
    expect((await a.logs(again, toChunks(all))).status).toBe(200);
    await runAllSteps(a, again);
    expect((await a.finish(again, 'succeeded', all)).body).toMatchObject({ ok: true, status: 'succeeded' });
    expect((await storedLog(id)).map((c) => c.data)).toEqual(all);
  });
});

describe('release on graceful stop', () => {
  it('queues the job again at once, wakes a waiting agent, keeps succeeded steps; stale → 409', async () => {
    const a = await h.enrollAgent({ tags: ['rel'] });
    const b = await h.enrollAgent({ tags: ['rel'] });
    const id = await h.createJob('agent-selftest', {}, ['rel']);
    const job = (await a.wait()).body.job!;
    expect((await a.startStep(job, 0)).body.status).toBe('ok');
    await a.logs(job, toChunks(['step 0\n', 'done\n'], 0));
    expect((await a.finishStep(job, 0)).status).toBe(200);

    // Bad requests first: malformed body, wrong attempt, foreign token.
    expect((await a.release(job, { attempt: 'x' })).status).toBe(400);
    expect((await a.call(`/jobs/${id}/release`, {}, { raw: '{' })).status).toBe(400);
    expect((await a.release(job, { extra: 1 })).status).toBe(400);
    expect((await a.release(job, { attempt: job.attempt + 1 })).body.error).toMatchObject({ code: 'LEASE_LOST' });
    expect((await a.release(job, { leaseToken: 'lse_forged' })).body.error).toMatchObject({ code: 'LEASE_LOST' });
    expect((await b.release(job)).status).toBe(409); // B holds no lease on it

    // B is parked in a long-poll shorter than the lease TTL: only a release can hand it the job.
    const parked = b.wait(2000);
    await new Promise((r) => setTimeout(r, 200));
    const rel = await a.release(job);
    expect(rel).toMatchObject({ status: 200, body: { ok: true, status: 'queued', cancelRequested: false } });
    const next = await b.nextJob(parked);
    expect(next).toMatchObject({ id, attempt: 2, logNextSeq: 2 });
    expect(next!.steps.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending']);

    // A's token is stale now: release, heartbeat and logs all refuse it.
    expect((await a.release(job)).body.error).toMatchObject({ code: 'LEASE_LOST' });
    expect((await a.heartbeat(job)).status).toBe(409);
    expect((await a.logs(job, toChunks(['late\n'], 0, { seq: 2, offset: 12 }))).status).toBe(409);
    await runAllSteps(b, next!);
    expect((await b.finish(next!, 'succeeded', [], 2)).body).toMatchObject({ ok: true });
  });

  it('is idempotent; an idempotent step still running goes back to pending; a non-idempotent one → needs_attention', async () => {
    const a = await h.enrollAgent({ tags: ['rel2'] });
    const id1 = await h.createJob('agent-selftest', {}, ['rel2']);
    const j1 = (await a.wait()).body.job!;
    expect((await a.startStep(j1, 0)).body.status).toBe('ok');
    expect((await a.release(j1)).body).toMatchObject({ ok: true, status: 'queued' });
    // Nobody is waiting, so the job is still queued: a resend (lost response) answers the same.
    expect((await a.release(j1)).body).toMatchObject({ ok: true, status: 'queued' });
    const again = (await a.wait()).body.job!;
    expect(again).toMatchObject({ id: id1, attempt: 2 });
    expect(again.steps[0]).toMatchObject({ status: 'pending', attempts: 1 });
    await runAllSteps(a, again);
    await a.finish(again, 'succeeded', []);

    const id2 = await h.createJob('agent-selftest', {}, ['rel2']);
    const j2 = (await a.wait()).body.job!;
    await a.startStep(j2, 0);
    await a.finishStep(j2, 0);
    expect((await a.startStep(j2, 1)).body.status).toBe('ok'); // 'change' is non-idempotent
    expect((await a.release(j2)).body).toMatchObject({ ok: true, status: 'needs_attention' });
    expect((await a.release(j2)).body).toMatchObject({ ok: true, status: 'needs_attention' });
    const d = await h.admin(`/jobs/${id2}`);
    expect(d.body).toMatchObject({ status: 'needs_attention', error: { code: 'LEASE_RELEASED' } });
    expect(d.body.steps.map((s: any) => s.status)).toEqual(['succeeded', 'needs_attention', 'pending']);
    expect((await a.wait(300)).body.job).toBeNull();
  });

  it('a job with a cancel request is cancelled by the release', async () => {
    const a = await h.enrollAgent({ tags: ['rel3'] });
    const id = await h.createJob('agent-selftest', {}, ['rel3']);
    const job = (await a.wait()).body.job!;
    expect((await h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    expect((await a.release(job)).body).toMatchObject({ ok: true, status: 'cancelled', cancelRequested: true });
    expect((await h.admin(`/jobs/${id}`)).body.status).toBe('cancelled');
  });
});
