/**
 * Issue 8's attacks on the agent, through the real daemon and the real Worker: a target that
 * prints NUL bytes (stdout into step outputs, stderr into the log) no longer wedges anything; a
 * worker that cannot take a step's result gets it as a clear failure instead of a retry loop
 * holding the lease forever; cancel wins over any retry loop; and a secret printed in the forms
 * tools print secrets in never reaches the stored log.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInterceptingProxy, type InterceptingProxy } from '../support/http-intercept';
import { startE2E, stopAgent, type E2E } from './harness';

let e: E2E;
let proxy: InterceptingProxy;
beforeAll(async () => {
  e = await startE2E();
  proxy = await startInterceptingProxy(e.h.server.url);
}, 90_000);
afterAll(async () => {
  await proxy?.close();
  await e?.close();
}, 60_000);

const stepFinish = (path: string) => /\/agent\/v1\/jobs\/[^/]+\/steps\/\d+\/finish$/.test(path);

describe('hostile output and a misbehaving worker', () => {
  it('NUL bytes from a target: escaped in outputs and log, the job completes', async () => {
    const keys = join(e.sshd.dir, 'authorized_keys');
    const original = await readFile(keys, 'utf8');
    // Every login on the test sshd now runs this instead of the requested command.
    await writeFile(keys, `command="printf 'Linux\\000evil 6.1\\n'; printf 'warn\\000ing \\355\\240\\200\\n' >&2" ${original}`);
    const a = await e.enroll(['nul']);
    const p = await a.start();
    try {
      const id = await e.h.createJob('connectivity-check', { ssh: [{ host: '127.0.0.1', port: e.sshd.port, user: e.sshd.user }] }, ['nul']);
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status), 60_000);
      expect(job.status).toBe('succeeded');
      expect(job.steps[0].outputs.targets[0].version).toBe('Linux\\0evil 6.1');
      const log = await e.logs(id);
      expect(log).toContain('warn\\0ing');
      expect(log).not.toContain('\u0000');
    } finally {
      await writeFile(keys, original);
      await stopAgent(p);
    }
  }, 90_000);

  it('a step result the worker keeps answering 500 to: the step fails with a clear message, nothing wedges', async () => {
    proxy.intercept((r) =>
      stepFinish(r.path) && r.body.includes('"status":"succeeded"')
        ? { status: 500, body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal error.', requestId: 'r' } }) }
        : undefined,
    );
    const a = await e.enroll(['five-hundred'], { server: proxy.url });
    const p = await a.start();
    try {
      const id = await e.h.createJob('agent-selftest', { lines: 1 }, ['five-hundred']);
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status), 60_000);
      expect(job.status).toBe('failed');
      expect(job.steps[0].status).toBe('failed');
      expect(JSON.stringify(job.error)).toContain('could not store the result of this step');
      expect(proxy.seen.filter((r) => stepFinish(r.path) && r.body.includes('"status":"succeeded"')).length).toBe(5);
      // The agent is free for the next job.
      proxy.intercept(undefined);
      const next = await e.h.createJob('agent-selftest', { lines: 1 }, ['five-hundred']);
      expect((await e.waitFor(next, (j) => j.status === 'succeeded', 60_000)).status).toBe('succeeded');
    } finally {
      proxy.intercept(undefined);
      await stopAgent(p);
    }
  }, 120_000);

  it('cancel wins over a retry loop', async () => {
    proxy.intercept((r) => (stepFinish(r.path) ? { status: 503, body: JSON.stringify({ error: { code: 'DB_UNAVAILABLE', message: 'down', requestId: 'r' } }) } : undefined));
    const a = await e.enroll(['retry-loop'], { server: proxy.url });
    const p = await a.start();
    try {
      const id = await e.h.createJob('agent-selftest', { lines: 1 }, ['retry-loop']);
      await expect.poll(() => proxy.seen.filter((r) => stepFinish(r.path) && r.path.includes(id)).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
      expect((await e.h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
      const job = await e.waitFor(id, (j) => ['cancelled', 'failed', 'succeeded'].includes(j.status), 30_000);
      expect(job.status).toBe('cancelled');
    } finally {
      proxy.intercept(undefined);
      await stopAgent(p);
    }
  }, 90_000);

  it('a secret printed as base64, hex, in a URL, in JSON or upper-cased never reaches the stored log', async () => {
    const a = await e.enroll(['encodings']);
    const p = await a.start();
    try {
      const secret = 'S3cr3t"value/with+specials';
      const id = await e.h.createJob('agent-selftest', { lines: 1, secret, secretEncodings: true }, ['encodings']);
      expect((await e.waitFor(id, (j) => j.status === 'succeeded', 60_000)).status).toBe('succeeded');
      const log = await e.logs(id);
      const b = Buffer.from(secret, 'utf8');
      for (const form of [secret, b.toString('base64'), b.toString('base64url'), b.toString('hex'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), secret.toUpperCase()])
        expect(log).not.toContain(form);
      expect(log.match(/the secret param as \w+: .*\[REDACTED\]/g)?.length).toBe(6);
    } finally {
      await stopAgent(p);
    }
  }, 90_000);
});
