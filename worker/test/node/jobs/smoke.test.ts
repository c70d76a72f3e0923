import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobsHarness, type JobsHarness } from '../../support/jobs-fixtures';
import { toChunks } from '../../support/agent-client';

let h: JobsHarness;
beforeAll(async () => {
  h = await startJobsHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('smoke', () => {
  it('runs a job end to end', async () => {
    const agent = await h.enrollAgent({ tags: ['home'] });
    const id = await h.createJob('agent-selftest', { lines: 2 }, ['home']);
    const w = await agent.wait();
    expect(w.status).toBe(200);
    const job = w.body.job!;
    expect(job.id).toBe(id);
    for (let i = 0; i < 3; i++) {
      expect((await agent.startStep(job, i)).body.status).toBe('ok');
      expect((await agent.finishStep(job, i)).status).toBe(200);
    }
    const lines = ['a\n', 'b\n'];
    expect((await agent.logs(job, toChunks(lines))).status).toBe(200);
    const f = await agent.finish(job, 'succeeded', lines);
    expect(f.body).toMatchObject({ ok: true });
    const d = await h.admin(`/jobs/${id}`);
    expect(d.body.status).toBe('succeeded');
  });
});
