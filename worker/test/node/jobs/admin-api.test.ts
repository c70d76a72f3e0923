/**
 * The admin jobs/agents API in workerd: auth on every endpoint, bad input (malformed,
 * oversized, duplicate, hostile ids), pagination, logs and the live SSE log stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { toChunks } from '../../support/agent-client';
import { REDACTED } from '../../../src/contracts';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness();
});
afterAll(async () => {
  await h?.close();
});

const ENDPOINTS: [string, string][] = [
  ['GET', '/job-kinds'],
  ['POST', '/jobs'],
  ['GET', '/jobs'],
  ['GET', '/jobs/job_x'],
  ['GET', '/jobs/job_x/logs'],
  ['GET', '/jobs/job_x/logs/stream'],
  ['POST', '/jobs/job_x/approve'],
  ['POST', '/jobs/job_x/cancel'],
  ['POST', '/jobs/job_x/retry'],
  ['GET', '/agents'],
  ['POST', '/agents/enrollments'],
  ['DELETE', '/agents/agt_x'],
];

describe('admin auth', () => {
  it.each(ENDPOINTS)('%s %s → 401 without credentials', async (method, path) => {
    const res = await fetch(`${h.server.url}/api${path}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('UNAUTHORIZED');
  });
});

describe('job kinds and job creation', () => {
  it('lists kinds with JSON Schema params and steps', async () => {
    const r = await h.admin('/job-kinds');
    expect(r.status).toBe(200);
    const cc = r.body.items.find((k: any) => k.kind === 'connectivity-check');
    expect(cc.paramsSchema.type).toBe('object');
    expect(cc.steps.map((s: any) => s.id)).toEqual(['ssh', 'kube', 'nomad']);
  });

  it('creates a job and answers 400 with field issues for bad params', async () => {
    const ok = await h.admin('/jobs', { json: { kind: 'connectivity-check', params: { ssh: [{ host: 'nas.local' }] }, tags: ['home'] } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'queued', kind: 'connectivity-check', tags: ['home'] });
    expect(ok.body.steps).toHaveLength(3);
    const bad = await h.admin('/jobs', { json: { kind: 'connectivity-check', params: { ssh: [{ host: '-oProxyCommand=evil' }] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('params.ssh.0.host');
    expect((await h.admin('/jobs', { json: { kind: 'rm-rf', params: {} } })).body.error.issues[0].path).toBe('kind');
    expect((await h.admin('/jobs', { raw: '{"kind":' })).status).toBe(400);
    expect((await h.admin('/jobs', { json: { kind: 'agent-selftest', tags: ['a b'] } })).status).toBe(400);
    expect((await h.admin('/jobs', { json: { kind: 'agent-selftest', extra: 1 } })).status).toBe(400);
    expect((await h.admin('/jobs', { raw: JSON.stringify({ kind: 'agent-selftest', params: { secret: 'x'.repeat(2 * 1024 * 1024) } }) })).status).toBe(413);
  });
});

describe('listing and reading', () => {
  it('pages jobs with a cursor and filters by status', async () => {
    for (let i = 0; i < 5; i++) await h.createJob('agent-selftest', {}, ['page']);
    const first = await h.admin('/jobs?limit=2');
    expect(first.body.items).toHaveLength(2);
    const seen = new Set(first.body.items.map((j: any) => j.id));
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await h.admin(`/jobs?limit=2&cursor=${cursor}`);
      for (const j of next.body.items) {
        expect(seen.has(j.id)).toBe(false);
        seen.add(j.id);
      }
      cursor = next.body.nextCursor;
    }
    expect(seen.size).toBeGreaterThanOrEqual(5);
    const queued = await h.admin('/jobs?status=queued&limit=200');
    expect(queued.body.items.every((j: any) => j.status === 'queued')).toBe(true);
    expect((await h.admin('/jobs?status=bogus')).status).toBe(400);
    expect((await h.admin('/jobs?cursor=garbage!!')).status).toBe(400);
    expect((await h.admin('/jobs?limit=100000')).status).toBe(400);
  });

  it('404s unknown jobs/agents and 400s hostile ids', async () => {
    expect((await h.admin('/jobs/job_nope')).status).toBe(404);
    expect((await h.admin('/jobs/job_nope/logs')).status).toBe(404);
    expect((await h.admin('/jobs/job_nope/cancel', { method: 'POST' })).status).toBe(404);
    expect((await h.admin('/jobs/job_nope/retry', { method: 'POST' })).status).toBe(404);
    expect((await h.admin('/jobs/job_nope/approve', { json: { step: 0 } })).status).toBe(404);
    expect((await h.admin('/agents/agt_nope', { method: 'DELETE' })).status).toBe(404);
    expect((await h.admin(`/jobs/${encodeURIComponent("'; DROP TABLE jobs; --")}`)).status).toBe(400);
    expect((await h.admin(`/jobs/${'a'.repeat(500)}`)).status).toBe(400);
    expect((await h.admin('/jobs/job_nope/approve', { json: { step: 'one' } })).status).toBe(400);
    expect((await h.admin('/jobs/job_nope/logs?after=abc')).status).toBe(400);
  });

  it('lists agents with online state, tags, version and current job', async () => {
    const agent = await h.enrollAgent({ name: 'nas', tags: ['listme'] });
    const id = await h.createJob('agent-selftest', {}, ['listme']);
    await agent.wait();
    const r = await h.admin('/agents');
    const row = r.body.items.find((a: any) => a.name === 'nas');
    expect(row).toMatchObject({ online: true, tags: ['listme'], version: '0.0.0-test', currentJobId: id, revokedAt: null });
    expect(row.lastSeenAt).toBeTruthy();
  });

  it('never returns secret params to admin clients, while the claiming agent gets them', async () => {
    const secret = 'hunter2-very-secret-value';
    const agent = await h.enrollAgent({ name: 'secret-taker', tags: ['secret-params'] });
    const id = await h.createJob('agent-selftest', { secret }, ['secret-params']);
    const kinds = await h.admin('/job-kinds');
    expect(kinds.body.items.find((k: any) => k.kind === 'agent-selftest').secretParams).toEqual(['secret']);
    const detail = await h.admin(`/jobs/${id}`);
    expect(detail.body.params.secret).toBe(REDACTED);
    const list = await h.admin('/jobs?limit=100');
    expect(JSON.stringify(detail.body) + JSON.stringify(list.body)).not.toContain(secret);
    const claimed = await agent.wait();
    expect((claimed.body.job?.params as { secret?: string } | undefined)?.secret).toBe(secret);
  });

  it('retry refuses a job that is not finished', async () => {
    const id = await h.createJob('agent-selftest', {}, ['retry-none']);
    const r = await h.admin(`/jobs/${id}/retry`, { method: 'POST' });
    expect(r.status).toBe(409);
  });
});

describe('live log stream (SSE)', () => {
  it('streams existing and new chunks as they arrive, then ends with the job', async () => {
    const agent = await h.enrollAgent({ tags: ['sse'] });
    const id = await h.createJob('agent-selftest', {}, ['sse']);
    const job = (await agent.wait()).body.job!;
    const lines = ['first\n', 'second\n', 'third\n'];
    const chunks = toChunks(lines);
    await agent.logs(job, [chunks[0]!]);

    const res = await fetch(`${h.server.url}/api/jobs/${id}/logs/stream`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('first');
    await agent.logs(job, [chunks[1]!]);
    await readUntil('second');
    await agent.logs(job, [chunks[2]!]);
    for (let i = 0; i < 3; i++) {
      await agent.startStep(job, i);
      await agent.finishStep(job, i);
    }
    expect((await agent.finish(job, 'succeeded', lines)).body.ok).toBe(true);
    await readUntil('event: end');
    expect(text).toMatch(/id: 0[\s\S]*id: 1[\s\S]*id: 2[\s\S]*event: end\ndata: {"status":"succeeded"}/);
    await reader.cancel();
  });
});
