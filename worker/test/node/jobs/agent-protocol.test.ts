/**
 * The agent wire protocol against the real Worker in workerd + Postgres, over real HTTP:
 * enrollment, versioning, auth, claim races, fencing, step/log/finish idempotency and gaps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeCode, sha256Hex } from '../../../src/lib/crypto';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { TestAgentClient, toChunks } from '../../support/agent-client';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness();
});
afterAll(async () => {
  await h?.close();
});

async function newCode(tags: string[] = []): Promise<string> {
  const r = await h.admin('/agents/enrollments', { json: { tags } });
  expect(r.status).toBe(201);
  return r.body.code;
}

describe('enrollment', () => {
  it('trades a one-time code for a token, once', async () => {
    const code = await newCode(['home', 'k8s']);
    const a = new TestAgentClient(h.server.url);
    const r = await a.enroll(code, { tags: ['home', 'k8s'] });
    expect(r.status).toBe(201);
    expect(r.body.agentId).toMatch(/^agt_/);
    expect(r.body.token).toMatch(/^pxa_/);
    const stored = await h.db.raw.query('SELECT token_hash FROM agents WHERE id = $1', [r.body.agentId]);
    expect(stored.rows[0].token_hash).toBe(await sha256Hex(r.body.token));
    const again = await new TestAgentClient(h.server.url).enroll(code);
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/already used/);
  });

  it('codes are typable: never start with "-", and case or separators do not matter', async () => {
    const code = await newCode();
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    const r = await new TestAgentClient(h.server.url).enroll(code.toLowerCase().replace(/-/g, ' '));
    expect(r.status).toBe(201);
  });

  it('refuses a bad or expired code', async () => {
    const bad = await new TestAgentClient(h.server.url).enroll('not-a-real-code');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('UNAUTHORIZED');
    const code = await newCode();
    await h.db.raw.query(`UPDATE agent_enrollments SET expires_at = now() - interval '1 second' WHERE code_hash = $1`, [await sha256Hex(normalizeCode(code))]);
    const expired = await new TestAgentClient(h.server.url).enroll(code);
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
  });

  it('rejects malformed and oversized enrollment bodies', async () => {
    const a = new TestAgentClient(h.server.url);
    expect((await a.call('/enroll', {}, { raw: '{not json' })).status).toBe(400);
    expect((await a.call('/enroll', { code: 'x', name: 'n', tags: ['bad tag!'], version: '1', hostname: 'h' })).status).toBe(400);
    expect((await a.call('/enroll', { code: 'x'.repeat(20_000) })).status).toBe(413);
  });

  it('gives the admin the exact enroll command', async () => {
    const r = await h.admin('/agents/enrollments', { method: 'POST' });
    expect(r.body.command).toBe(`plexops-agent enroll --server ${h.server.url} --code ${r.body.code}`);
    expect(r.body.runCommand).toBe('plexops-agent run');
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const tagged = await h.admin('/agents/enrollments', { json: { tags: ['k8s', 'home'] } });
    expect(tagged.body).toMatchObject({ tags: ['home', 'k8s'], command: `plexops-agent enroll --server ${h.server.url} --code ${tagged.body.code} --tags home,k8s` });
    expect((await h.admin('/agents/enrollments', { json: { tags: ['bad tag!'] } })).status).toBe(400);
  });
});

describe('the enrollment fixes the allowed tags (issue 8 item 7)', () => {
  it('an agent gets what it asks for within them, all of them when it asks for none, and a 400 naming any extra', async () => {
    const code = await newCode(['home', 'k8s']);
    const greedy = await new TestAgentClient(h.server.url).enroll(code, { tags: ['home', 'gpu', 'site=paris'] });
    expect(greedy.status).toBe(400);
    expect(greedy.body.error.message).toBe(
      'This enrollment allows only home, k8s; the agent asked for gpu, site=paris as well. Ask for a subset, or create an enrollment with those tags in the admin (Agents → Enroll).',
    );
    // The refused attempt did not use the code up.
    const subset = await new TestAgentClient(h.server.url).enroll(code, { tags: ['home'] });
    expect(subset.status).toBe(201);
    expect(subset.body.tags).toEqual(['home']);
    const all = await new TestAgentClient(h.server.url).enroll(await newCode(['home', 'k8s']));
    expect(all.body.tags).toEqual(['home', 'k8s']);
    const none = await new TestAgentClient(h.server.url).enroll(await newCode(), { tags: ['home'] });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/^This enrollment allows no tags; the agent asked for home as well/);
    const rows = await h.db.raw.query('SELECT tags FROM agents WHERE id = ANY($1)', [[subset.body.agentId, all.body.agentId]]);
    expect(rows.rows.map((r) => r.tags).sort()).toEqual([['home'], ['home', 'k8s']]);
  });
});

describe('protocol version and auth', () => {
  it('answers 426 with a clear message to a wrong or missing version', async () => {
    const agent = await h.enrollAgent();
    for (const v of [99, 0]) {
      const r = await new TestAgentClient(h.server.url, agent.token, v).wait(0);
      expect(r.status).toBe(426);
      expect(r.body.error?.code).toBe('UNSUPPORTED_PROTOCOL_VERSION');
      expect(r.body.error?.message).toMatch(/protocol 1/);
    }
    expect((await new TestAgentClient(h.server.url, agent.token, null).wait(0)).status).toBe(426);
  });

  it('401s without a token, with a bogus token, and after revoke (also mid-wait)', async () => {
    expect((await new TestAgentClient(h.server.url).wait(0)).status).toBe(401);
    expect((await new TestAgentClient(h.server.url, 'pxa_bogus').wait(0)).status).toBe(401);
    const agent = await h.enrollAgent();
    expect((await agent.wait(0)).status).toBe(200);
    const parked = agent.wait(1500);
    await new Promise((r) => setTimeout(r, 200));
    const agentId = (await h.db.raw.query('SELECT id FROM agents ORDER BY created_at DESC LIMIT 1')).rows[0].id;
    expect((await h.admin(`/agents/${agentId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await parked).status).toBe(401);
    expect((await agent.wait(0)).status).toBe(401);
    expect((await agent.call('/token/rotate')).status).toBe(401);
  });

  it('rotates the token; the old one works until the new one is used', async () => {
    const agent = await h.enrollAgent();
    const old = agent.token!;
    const r = await agent.call('/token/rotate');
    expect(r.status).toBe(200);
    expect(r.body.token).not.toBe(old);
    expect((await new TestAgentClient(h.server.url, old).wait(0)).status).toBe(200);
    expect((await new TestAgentClient(h.server.url, r.body.token).wait(0)).status).toBe(200);
    expect((await new TestAgentClient(h.server.url, old).wait(0)).status).toBe(401);
  });

  it('does not accept an agent token on the admin API', async () => {
    const agent = await h.enrollAgent();
    const res = await fetch(`${h.server.url}/api/jobs`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(res.status).toBe(401);
  });
});

describe('claiming and fencing', () => {
  it('two agents racing for one job: exactly one claims it', async () => {
    const tag = 'race';
    const [a, b] = [await h.enrollAgent({ tags: [tag] }), await h.enrollAgent({ tags: [tag] })];
    await Promise.all([a.wait(0), b.wait(0)]);
    const pa = a.wait(3000);
    const pb = b.wait(3000);
    await new Promise((r) => setTimeout(r, 200));
    const id = await h.createJob('agent-selftest', {}, [tag]);
    const [ra, rb] = await Promise.all([pa, pb]);
    const claimed = [ra.body.job, rb.body.job].filter(Boolean);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.id).toBe(id);
    const row = await h.db.raw.query('SELECT status, attempt FROM jobs WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({ status: 'claimed', attempt: 1 });
  });

  it('only offers jobs whose tags the agent has', async () => {
    const agent = await h.enrollAgent({ tags: ['only-a'] });
    await h.createJob('agent-selftest', {}, ['only-a', 'gpu']);
    expect((await agent.wait(300)).body.job).toBeNull();
  });

  it('refuses a stale or foreign lease token with 409 LEASE_LOST', async () => {
    const agent = await h.enrollAgent({ tags: ['fence'] });
    const other = await h.enrollAgent({ tags: ['fence'] });
    await h.createJob('agent-selftest', {}, ['fence']);
    const job = (await agent.wait()).body.job!;
    const stale = { ...job, leaseToken: 'lse_stale' };
    for (const r of [await agent.heartbeat(stale), await agent.startStep(stale, 0), await agent.logs(stale, toChunks(['x']))]) {
      expect(r.status).toBe(409);
      expect((r.body as any).error.code).toBe('LEASE_LOST');
    }
    expect((await other.heartbeat(job)).status).toBe(409);
    expect((await agent.call(`/jobs/${job.id}/steps/0/start`, { leaseToken: job.leaseToken, attempt: job.attempt + 1 })).status).toBe(409);
    expect((await agent.heartbeat(job)).status).toBe(200);
  });

  it('answers 404 to hostile or unknown job ids and 400 to malformed ones', async () => {
    const agent = await h.enrollAgent();
    const fake = { id: 'job_doesnotexist', leaseToken: 'x' } as any;
    expect((await agent.heartbeat(fake)).status).toBe(404);
    expect((await agent.call(`/jobs/${encodeURIComponent("x' OR 1=1 --")}/heartbeat`, { leaseToken: 'x' })).status).toBe(400);
    expect((await agent.call('/jobs/job_x/steps/-1/start', { leaseToken: 'x', attempt: 1 })).status).toBe(400);
  });
});

describe('steps, logs and finish', () => {
  it('runs a job: idempotent step finish, idempotent log upsert, gaps reported then filled', async () => {
    const agent = await h.enrollAgent({ tags: ['run'] });
    const id = await h.createJob('agent-selftest', { lines: 3 }, ['run']);
    const job = (await agent.wait()).body.job!;
    expect(job).toMatchObject({ id, kind: 'agent-selftest', attempt: 1, cancelRequested: false });
    expect(job.steps.map((s) => s.id)).toEqual(['emit', 'change', 'settle']);
    expect((await agent.startStep(job, 1)).status).toBe(409); // out of order
    for (let i = 0; i < 3; i++) {
      expect((await agent.startStep(job, i)).body.status).toBe('ok');
      expect((await agent.startStep(job, i)).body.status).toBe('ok'); // repeated start
      expect((await agent.finishStep(job, i, 'succeeded', { i })).body.ok).toBe(true);
      expect((await agent.finishStep(job, i, 'succeeded', { i })).body.ok).toBe(true); // resent
    }
    const lines = ['one\n', 'two ünïcødé\n', 'three\n', 'four\n'];
    const chunks = toChunks(lines, 0);
    expect((await agent.logs(job, [chunks[0]!, chunks[2]!])).body.accepted).toBe(2);
    expect((await agent.logs(job, [chunks[0]!])).status).toBe(200); // duplicate chunk: upsert
    const gap = await agent.finish(job, 'succeeded', lines);
    expect(gap.body).toMatchObject({ ok: false, reason: 'gaps', missingSeqs: [1, 3] });
    expect((await agent.logs(job, [chunks[1]!, chunks[3]!])).status).toBe(200);
    const wrong = await agent.finish(job, 'succeeded', ['tampered']);
    expect(wrong.body).toMatchObject({ ok: false }); // lastSeq 0 present, checksum differs
    const done = await agent.finish(job, 'succeeded', lines);
    expect(done.body).toMatchObject({ ok: true, status: 'succeeded' });
    expect((await agent.finish(job, 'succeeded', lines)).body).toMatchObject({ ok: true }); // resent finish
    expect((await agent.heartbeat(job)).status).toBe(409);
    const d = await h.admin(`/jobs/${id}`);
    expect(d.body).toMatchObject({ status: 'succeeded', logBytes: Buffer.byteLength(lines.join('')) });
    expect(d.body.steps.map((s: any) => [s.status, s.attempts, s.outputs])).toEqual([
      ['succeeded', 1, { i: 0 }],
      ['succeeded', 1, { i: 1 }],
      ['succeeded', 1, { i: 2 }],
    ]);
    const logs = await h.admin(`/jobs/${id}/logs?after=0`);
    expect(logs.body.chunks.map((c: any) => c.data)).toEqual(lines.slice(1));
    expect(logs.body.done).toBe(true);
  });

  it('refuses log requests over 256 KiB (413), duplicate seqs in one request and NUL bytes (400)', async () => {
    const agent = await h.enrollAgent({ tags: ['big'] });
    await h.createJob('agent-selftest', {}, ['big']);
    const job = (await agent.wait()).body.job!;
    const big = await agent.logs(job, [{ seq: 0, offset: 0, data: 'x'.repeat(300 * 1024) }]);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const dup = await agent.logs(job, [{ seq: 0, offset: 0, data: 'a' }, { seq: 0, offset: 1, data: 'b' }]);
    expect(dup.status).toBe(400);
    expect((await agent.logs(job, [{ seq: 0, offset: 0, data: 'a\u0000b' }])).status).toBe(400);
    expect((await agent.logs(job, [{ seq: -1, offset: 0, data: 'a' }])).status).toBe(400);
    expect((await agent.call(`/jobs/${job.id}/logs`, {}, { raw: '[' })).status).toBe(400);
  });

  it('will not let a job succeed with unfinished steps', async () => {
    const agent = await h.enrollAgent({ tags: ['early'] });
    await h.createJob('agent-selftest', {}, ['early']);
    const job = (await agent.wait()).body.job!;
    expect((await agent.finish(job, 'succeeded', [])).status).toBe(409);
    expect((await agent.finish(job, 'failed', [])).body).toMatchObject({ ok: true, status: 'failed' });
  });
});
