/**
 * The real agent daemon against the real Worker (workerd + Postgres), with a real sshd, the real
 * kubectl against the kube simulator and the Nomad simulator.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBundleWithProtocol, runAgent } from '../support/agent-bin';
import { alive, NOMAD_TOKEN, sha256, sleep, spawnedPids, startE2E, stopAgent, type E2E } from './harness';

let e: E2E;
beforeAll(async () => {
  e = await startE2E();
}, 90_000);
afterAll(async () => {
  await e?.close();
}, 60_000);

describe('agent daemon end to end', () => {
  it('enroll → connectivity-check succeeds with logs and versions', async () => {
    const a = await e.enroll(['cc']);
    expect((await stat(join(a.dir, 'config.json'))).mode & 0o777).toBe(0o600);
    const p = await a.start();
    try {
      const id = await e.h.createJob(
        'connectivity-check',
        {
          ssh: [{ host: '127.0.0.1', port: e.sshd.port, user: e.sshd.user }],
          kube: [{ context: 'sim', namespace: 'media' }],
          nomad: [{ address: e.nomad.url, namespace: 'media', tokenEnv: 'NOMAD_TOKEN' }],
        },
        ['cc'],
      );
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status));
      const logs = await e.logs(id);
      expect(job.status, logs).toBe('succeeded');
      expect(job.steps.map((s: any) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(job.steps[0].outputs.targets[0]).toMatchObject({ ok: true, version: expect.stringMatching(/^Linux /) });
      expect(job.steps[1].outputs.targets[0]).toMatchObject({ ok: true, version: expect.stringMatching(/^v1\./) });
      expect(job.steps[2].outputs.targets[0]).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+/) });
      expect(logs).toMatch(/ssh .*@127\.0\.0\.1:\d+: Linux /);
      expect(logs).toMatch(/kube sim\/media: server v1\./);
      expect(logs).toMatch(/nomad .* leader 127\.0\.0\.1:4647/);
      expect(job.logSha256).toBe(sha256(logs));
      expect(job.logBytes).toBe(Buffer.byteLength(logs));
      expect(logs).not.toContain(NOMAD_TOKEN);
      expect(logs).not.toContain(a.token);
      const online = (await e.h.admin('/agents')).body.items.find((x: { id: string }) => x.id === a.agentId);
      expect(online.state).toBe('online');
    } finally {
      expect(await stopAgent(p)).toBe(0);
    }
    // A clean stop tells the worker: the admin shows it offline now, not a presence window later.
    const stopped = (await e.h.admin('/agents')).body.items.find((x: { id: string }) => x.id === a.agentId);
    expect(stopped.state).toBe('offline');
  }, 60_000);

  it('policy denies an unlisted host: the job fails at its first step without touching anything', async () => {
    const a = await e.enroll(['deny']);
    const p = await a.start();
    try {
      const before = e.kube.requests.length;
      const id = await e.h.createJob(
        'connectivity-check',
        { ssh: [{ host: '127.0.0.1', port: 1 }], kube: [{ context: 'sim', namespace: 'media' }] },
        ['deny'],
      );
      const job = await e.waitFor(id, (j) => j.status === 'failed');
      expect(job.steps[0].status).toBe('failed');
      expect(job.steps[0].error).toMatchObject({ code: 'POLICY_DENIED' });
      expect(job.steps[1].status).not.toBe('succeeded');
      expect(await e.logs(id)).toContain('refused by the agent policy: ssh target 127.0.0.1:1 is not allowed');
      expect(e.kube.requests.length).toBe(before);
    } finally {
      await stopAgent(p);
    }
  }, 60_000);

  it('secrets (single and multi-line) are redacted in stored logs', async () => {
    const a = await e.enroll(['secret']);
    const p = await a.start();
    try {
      const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', 'QyNTUxOQAAACDxK0nKq1lE1mJ1cW0o9Jm8vY0l3s0y', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
      const one = await e.h.createJob('agent-selftest', { lines: 3, secret: 'hunter2-hunter2-hunter2' }, ['secret']);
      const two = await e.h.createJob('agent-selftest', { lines: 1, secret: key }, ['secret']);
      await e.waitFor(one, (j) => j.status === 'succeeded');
      await e.waitFor(two, (j) => j.status === 'succeeded');
      const l1 = await e.logs(one);
      const l2 = await e.logs(two);
      expect(l1).toContain('the secret param is: [REDACTED]');
      expect(l1).not.toContain('hunter2-hunter2');
      expect(l2).not.toMatch(/b3BlbnNzaC1rZXkt|QyNTUxOQAAACDx/);
      expect(l2).toContain('[REDACTED]');
    } finally {
      await stopAgent(p);
    }
  }, 60_000);

  it('cancel reaches a running step: the child is signalled and the job is cancelled', async () => {
    const a = await e.enroll(['cancel']);
    const p = await a.start();
    try {
      const id = await e.h.createJob('agent-selftest', { lines: 1, emitMs: 120_000 }, ['cancel']);
      await e.waitFor(id, (j) => j.status === 'running');
      await expect.poll(() => spawnedPids(p.stderr()).length, { timeout: 15_000 }).toBeGreaterThan(0);
      const pid = spawnedPids(p.stderr())[0]!;
      expect(alive(pid)).toBe(true);
      expect((await e.h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
      const job = await e.waitFor(id, (j) => j.status === 'cancelled', 15_000);
      expect(job.steps[0].status).toBe('cancelled');
      expect(alive(pid)).toBe(false);
      expect(await e.logs(id)).toContain(`cancel: sending SIGTERM to process group ${pid}`);
    } finally {
      await stopAgent(p);
    }
  }, 60_000);

  it('a preview (dry run) prints what the steps would run, runs none, and asks no approval', async () => {
    const a = await e.enroll(['preview']);
    const p = await a.start();
    try {
      const created = await e.h.admin('/jobs', {
        json: { kind: 'connectivity-check', params: { ssh: [{ host: '127.0.0.1', port: e.sshd.port, user: e.sshd.user }], kube: [{ context: 'sim', namespace: 'media' }] }, tags: ['preview'], dryRun: true },
      });
      expect(created.status).toBe(201);
      const kubeBefore = e.kube.requests.length;
      const job = await e.waitFor(created.body.id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status));
      const logs = await e.logs(created.body.id);
      expect(job.status, logs).toBe('succeeded');
      expect(logs).toContain('dry run of connectivity-check');
      expect(logs).toMatch(/ssh .*127\.0\.0\.1/);
      expect(logs).toContain('done (dry run)');
      expect(logs).not.toMatch(/Linux /); // nothing ran on the host
      expect(e.kube.requests.length).toBe(kubeBefore);

      // A kind with an approval: the preview runs through it and says where a real run would wait.
      const gated = await e.h.admin('/jobs', { json: { kind: 'approval-selftest', params: { note: 'swap disks' }, tags: ['preview'], dryRun: true } });
      const done = await e.waitFor(gated.body.id, (j) => ['succeeded', 'failed', 'awaiting_approval'].includes(j.status));
      expect(done.status).toBe('succeeded');
      expect(await e.logs(gated.body.id)).toContain('apply: Apply (needs approval) (a real run waits for approval here)');
    } finally {
      await stopAgent(p);
    }
  }, 60_000);

  it('approval gate: the step waits until approved, then runs', async () => {
    const a = await e.enroll(['approve']);
    const p = await a.start();
    try {
      const id = await e.h.createJob('approval-selftest', { note: 'swap disks' }, ['approve']);
      await e.waitFor(id, (j) => j.status === 'awaiting_approval');
      await sleep(500);
      expect((await e.job(id)).steps[1].status).toBe('awaiting_approval');
      expect(await e.logs(id)).not.toContain('applying');
      expect((await e.h.admin(`/jobs/${id}/approve`, { json: { step: 1 } })).status).toBe(200);
      await e.waitFor(id, (j) => j.status === 'succeeded');
      const logs = await e.logs(id);
      expect(logs).toContain('prepared: swap disks');
      expect(logs).toContain('applying (approved)');
    } finally {
      await stopAgent(p);
    }
  }, 60_000);

  it('revoked token: the daemon exits with a clear message', async () => {
    const a = await e.enroll(['revoke']);
    const p = await a.start();
    await expect.poll(() => p.stderr(), { timeout: 15_000 }).toContain('waiting for jobs');
    expect((await e.h.admin(`/agents/${a.agentId}`, { method: 'DELETE' })).status).toBeLessThan(300);
    const r = await Promise.race([p.exited, sleep(20_000).then(() => null)]);
    expect(r?.code).toBe(2);
    expect(p.stderr()).toMatch(/rejected this agent's token \(revoked or unknown\)/);
  }, 60_000);

  it('rotate-token replaces the token; once the new one is used the old one is refused', async () => {
    const a = await e.enroll(['rotate']);
    const r = await runAgent(['rotate-token'], a.env);
    expect(r.code, r.stderr).toBe(0);
    const cfg = JSON.parse(await readFile(join(a.dir, 'config.json'), 'utf8')) as { token: string };
    expect(cfg.token).not.toBe(a.token);
    expect((await stat(join(a.dir, 'config.json'))).mode & 0o777).toBe(0o600);
    const p = await a.start();
    try {
      await expect.poll(() => p.stderr(), { timeout: 15_000 }).toContain('waiting for jobs');
      const old = await fetch(`${e.h.server.url}/agent/v1/wait`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'x-plexops-protocol': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ waitMs: 0 }),
      });
      expect(old.status).toBe(401);
    } finally {
      await stopAgent(p);
    }
  }, 60_000);

  it('wrong protocol version: enroll and run fail with a clear message', async () => {
    const future = await agentBundleWithProtocol(99);
    const code = await e.h.admin('/agents/enrollments', { method: 'POST' });
    const a = await e.enroll(['proto']);
    const enroll = await runAgent(['enroll', '--server', e.h.server.url, '--code', code.body.code], a.env, 30_000, future);
    expect(enroll.code).toBe(2);
    expect(enroll.stderr).toContain("does not support this agent's protocol version 99");
    const run = await runAgent(['run'], a.env, 30_000, future);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("does not support this agent's protocol version 99");
  }, 60_000);
});
