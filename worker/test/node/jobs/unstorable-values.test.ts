/**
 * Issue 8 items 1 and 4 on the agent API, against the real Worker in workerd over real HTTP:
 * values Postgres cannot store (NUL, lone surrogates) in any text or jsonb field of the agent
 * protocol are a 400 with a reason — never a 500 the agent would retry forever while holding
 * the lease — and the job stays workable: the same request without the bad value goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { TestAgentClient, toChunks, type Reply } from '../../support/agent-client';
import type { ClaimedJob } from '../../../src/contracts';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness({ AGENT_LEASE_TTL_MS: '30000' });
});
afterAll(async () => {
  await h?.close();
});

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

function expectRefused(r: Reply<unknown>, field: RegExp, what: RegExp = /NUL|surrogate/): void {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.error?.code).toBe('BAD_REQUEST');
  // The message names the field in words ("Name contains a NUL…"); its issues carry the exact path.
  const said = `${r.body.error?.message} ${JSON.stringify((r.body.error as { issues?: unknown } | undefined)?.issues ?? [])}`;
  expect(said).toMatch(field);
  expect(r.body.error?.message).toMatch(what);
}

async function claimed(tag: string): Promise<{ agent: TestAgentClient; job: ClaimedJob; id: string }> {
  const agent = await h.enrollAgent({ tags: [tag] });
  const id = await h.createJob('agent-selftest', {}, [tag]);
  const job = await agent.nextJob(agent.wait());
  return { agent, job, id };
}

describe('steps/:i/finish', () => {
  it('refuses NUL or a lone surrogate in outputs (values and keys) and in the error, then accepts the clean resend', async () => {
    const { agent, job, id } = await claimed('outputs');
    expect((await agent.startStep(job, 0)).body.status).toBe('ok');
    expectRefused(await agent.finishStep(job, 0, 'succeeded', { stdout: NUL }), /outputs\.stdout/, /NUL/);
    expectRefused(await agent.finishStep(job, 0, 'succeeded', { stdout: LONE }), /outputs\.stdout/, /surrogate/);
    expectRefused(await agent.finishStep(job, 0, 'succeeded', { nested: [{ ['k\u0000']: 1 }] }), /outputs\.nested\.0/, /key .*NUL/i);
    const withError = await agent.call(`/jobs/${job.id}/steps/0/finish`, { leaseToken: job.leaseToken, attempt: job.attempt, status: 'failed', error: { message: NUL } });
    expectRefused(withError, /error\.message/);
    // Nothing was half-written: the step is still running and a clean finish goes through.
    const ok = await agent.finishStep(job, 0, 'succeeded', { stdout: 'a\ufffdb' });
    expect(ok.status).toBe(200);
    const detail = await h.admin(`/jobs/${id}`);
    expect(detail.body.steps[0]).toMatchObject({ status: 'succeeded', outputs: { stdout: 'a\ufffdb' } });
  });
});

describe('logs, heartbeat, job finish, release', () => {
  it('refuses unstorable log data, progress messages, job errors and lease tokens with a reason', async () => {
    const { agent, job } = await claimed('misc');
    expectRefused(await agent.logs(job, [{ seq: 0, offset: 0, data: NUL }]), /chunks\.0\.data/, /NUL/);
    expectRefused(await agent.logs(job, [{ seq: 0, offset: 0, data: LONE }]), /chunks\.0\.data/, /surrogate/);
    expectRefused(await agent.heartbeat(job, { progress: { message: NUL } }), /progress\.message/);
    expectRefused(await agent.heartbeat(job, { progress: { message: '\udfff' } }), /progress\.message/);
    const finish = { leaseToken: job.leaseToken, status: 'failed', totalBytes: 0, sha256: '0'.repeat(64), lastSeq: -1 };
    expectRefused(await agent.call(`/jobs/${job.id}/finish`, { ...finish, error: { message: 'boom', code: NUL } }), /error\.code/);
    expectRefused(await agent.call(`/jobs/${job.id}/release`, { leaseToken: `${job.leaseToken}\u0000`, attempt: job.attempt }), /leaseToken/);
    // The lease is intact: a clean heartbeat and a clean log upload work.
    expect((await agent.heartbeat(job, { progress: { message: 'fine' } })).status).toBe(200);
    expect((await agent.logs(job, toChunks(['clean\n']))).status).toBe(200);
  });
});

describe('enroll', () => {
  it('refuses NUL or lone surrogates in name, hostname and version; the code stays usable', async () => {
    const e = await h.admin('/agents/enrollments', { method: 'POST' });
    const a = new TestAgentClient(h.server.url);
    const base = { code: e.body.code, name: 'n', tags: [], version: '1.0.0', hostname: 'h' };
    for (const [field, value] of [
      ['name', NUL],
      ['hostname', NUL],
      ['version', LONE],
      ['hostname', LONE],
    ] as const) {
      expectRefused(await a.call('/enroll', { ...base, [field]: value }), new RegExp(field));
    }
    expect((await a.call('/enroll', base)).status).toBe(201);
  });
});
