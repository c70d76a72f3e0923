/**
 * Issue 8 item 14 (worker side): log chunk offsets describe one contiguous byte stream. Offsets
 * that overlap, go backwards, leave a gap against a neighbour or are absurd (2⁵³−1) are refused
 * with a reason — 400 within one request, 409 against what is stored — and holes (chunks not sent
 * yet) stay allowed. The real Worker in workerd over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import type { Reply } from '../../support/agent-client';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness({ AGENT_LEASE_TTL_MS: '30000' });
});
afterAll(async () => {
  await h?.close();
});

function expectError(r: Reply<unknown>, status: number, message: RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error?.message).toMatch(message);
}

async function claim(tag: string) {
  const agent = await h.enrollAgent({ tags: [tag] });
  await h.createJob('agent-selftest', {}, [tag]);
  return { agent, job: await agent.nextJob(agent.wait()) };
}

describe('log chunk offsets', () => {
  it('refuses absurd offsets and contradictions inside one request (400)', async () => {
    const { agent, job } = await claim('off-req');
    expectError(await agent.logs(job, [{ seq: 0, offset: 2 ** 53 - 1, data: 'x' }]), 400, /offset must be at most/i);
    expectError(await agent.logs(job, [{ seq: 0, offset: 5, data: 'x' }]), 400, /seq 0 starts at byte 5; a job's log starts at byte 0/);
    expectError(await agent.logs(job, [{ seq: 0, offset: 0, data: 'abc' }, { seq: 1, offset: 2, data: 'd' }]), 400, /seq 1 starts at byte 2, but seq 0 ends at byte 3 .* overlaps/);
    expectError(await agent.logs(job, [{ seq: 1, offset: 4, data: 'd' }, { seq: 0, offset: 0, data: 'abc' }]), 400, /leaves a gap/);
    // UTF-8 bytes, not UTF-16 units: "ü" is two bytes.
    expect((await agent.logs(job, [{ seq: 0, offset: 0, data: 'ü\n' }, { seq: 1, offset: 3, data: 'x' }])).status).toBe(200);
  });

  it('refuses what overlaps or goes backwards against stored chunks (409), allows holes, and takes the right resend', async () => {
    const { agent, job } = await claim('off-stored');
    expect((await agent.logs(job, [{ seq: 0, offset: 0, data: 'hello' }])).status).toBe(200);
    expectError(await agent.logs(job, [{ seq: 1, offset: 3, data: 'x' }]), 409, /seq 1 starts at byte 3, but seq 0 ends at byte 5/);
    expectError(await agent.logs(job, [{ seq: 1, offset: 9, data: 'x' }]), 409, /leaves a gap/);
    // A hole: seq 3 arrives before seq 1 and 2 — nothing to check it against yet.
    expect((await agent.logs(job, [{ seq: 3, offset: 20, data: 'later' }])).status).toBe(200);
    // Seq 2 must now end exactly where the stored seq 3 starts.
    expectError(await agent.logs(job, [{ seq: 2, offset: 10, data: 'short' }, { seq: 1, offset: 5, data: 'abcde' }]), 409, /seq 3 starts at byte 20, but seq 2 ends at byte 15/);
    expect((await agent.logs(job, [{ seq: 1, offset: 5, data: 'abcde' }, { seq: 2, offset: 10, data: '0123456789' }])).status).toBe(200);
    // Resending stored seq 0 longer would move every byte after it: refused against stored seq 1.
    expectError(await agent.logs(job, [{ seq: 0, offset: 0, data: 'hello!' }]), 409, /seq 1 starts at byte 5, but seq 0 ends at byte 6/);
    expect((await agent.logs(job, [{ seq: 0, offset: 0, data: 'hello' }])).status).toBe(200); // the identical resend is fine
    expect((await agent.finish(job, 'failed', ['hello', 'abcde', '0123456789', 'later'])).body).toMatchObject({ ok: true });
  });
});
