/**
 * @module
 * The agents the benchmark can drive. `protocol` is a small in-process agent speaking the real
 * /agent/v1 protocol over HTTP (no executors: it runs agent-selftest steps as no-ops). The real
 * daemon plugs in through `agent/bench/daemon-agent.ts` exporting `startBenchAgent` with the
 * {@link StartBenchAgent} signature (`--agent=daemon`). `naivePoller` is the baseline: the
 * classic queue worker that runs the claim query against Postgres every second.
 */
import pg from 'pg';
import { TestAgentClient } from '../test/support/agent-client';

export interface BenchAgent {
  stop(): Promise<void>;
}
export type StartBenchAgent = (opts: { serverUrl: string; enrollCode: string; tags: string[]; workDir: string }) => Promise<BenchAgent>;

export const startProtocolAgent: StartBenchAgent = async ({ serverUrl, enrollCode, tags }) => {
  const client = new TestAgentClient(serverUrl);
  const r = await client.enroll(enrollCode, { name: 'bench-agent', tags });
  if (r.status !== 201) throw new Error(`enroll failed: ${r.status}`);
  let running = true;
  const ctrl = new AbortController();
  const loop = (async () => {
    while (running) {
      const w = await client.wait(undefined, ctrl.signal).catch(() => null);
      if (!w || w.status !== 200) {
        if (running) await new Promise((res) => setTimeout(res, 500));
        continue;
      }
      const job = w.body.job;
      if (!job) {
        await new Promise((res) => setTimeout(res, w.body.pollAfterMs));
        continue;
      }
      for (const step of job.steps) {
        if (step.status === 'succeeded') continue;
        await client.startStep(job, step.index);
        await client.finishStep(job, step.index);
      }
      await client.finish(job, 'succeeded', []);
    }
  })();
  return {
    async stop() {
      running = false;
      ctrl.abort();
      await loop;
    },
  };
};

/** Baseline: claim by SQL every `intervalMs`, mark step 0 started, finish the job. */
export function startNaivePoller(url: string, intervalMs = 1000): { polls: () => number; stop(): Promise<void> } {
  const client = new pg.Client({ connectionString: url });
  let polls = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      polls++;
      const r = await client.query<{ id: string }>(`
        UPDATE jobs SET status = 'claimed', attempt = attempt + 1, lease_token = md5(random()::text),
          lease_expires_at = now() + interval '60 seconds'
        WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING id`);
      const id = r.rows[0]?.id;
      if (id) {
        await client.query(`UPDATE job_steps SET status = 'running', started_at = now() WHERE job_id = $1 AND index = 0`, [id]);
        await client.query(`UPDATE jobs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [id]);
        continue;
      }
      await new Promise((res) => setTimeout(res, intervalMs));
    }
    await client.end();
  })();
  return {
    polls: () => polls,
    async stop() {
      running = false;
      await loop;
    },
  };
}
