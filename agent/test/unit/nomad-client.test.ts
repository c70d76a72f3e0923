/**
 * The agent's Nomad client against the Nomad API simulator over real sockets: writes (parse,
 * register, deregister), blocking queries that return when the index moves, Nomad's errors, and
 * no redirect is ever followed (the token must only reach the address the policy allows).
 */
import { getEventListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NomadApiError, NomadClient } from '../../src/executors/nomad-client';
import { jsonJob, OVERSEERR_HCL } from '../sims/nomad/fixtures';
import { startNomadSim, type NomadSim } from '../sims/nomad/index';

const TOKEN = 'nomad-client-test-token-5c1e';
let sim: NomadSim;
beforeAll(async () => {
  sim = await startNomadSim({ aclToken: TOKEN, namespaces: ['media'], allocStartDelayMs: 50 });
});
afterAll(() => sim?.close());

const client = (o: Partial<ConstructorParameters<typeof NomadClient>[0]> = {}) => new NomadClient({ address: sim.url, token: TOKEN, namespace: 'media', timeoutMs: 5000, ...o });

describe('NomadClient', () => {
  it('parses HCL, registers a job, follows it with blocking queries and deregisters it', async () => {
    const c = client();
    const parsed = await c.post<{ ID: string }>('/v1/jobs/parse', { JobHCL: OVERSEERR_HCL, Canonicalize: true });
    expect(parsed.ID).toBe('overseerr');
    const job = jsonJob('client-test', { namespace: 'media' });
    const reg = await c.post<{ EvalID: string; JobModifyIndex: number }>('/v1/jobs', { Job: job });
    expect(reg.EvalID).toBeTruthy();

    // A blocking query returns as soon as the allocations change past the index we hold.
    let { body: allocs, index } = await c.request<Array<{ ClientStatus: string }>>('GET', '/v1/job/client-test/allocations');
    expect(index).toBeGreaterThan(0);
    for (let i = 0; i < 20 && !allocs.some((a) => a.ClientStatus === 'running'); i++) {
      const next = await c.blockingGet<Array<{ ClientStatus: string }>>('/v1/job/client-test/allocations', index as number, 5000);
      expect(next.index).toBeGreaterThanOrEqual(index as number);
      ({ body: allocs, index } = next);
    }
    expect(allocs.some((a) => a.ClientStatus === 'running')).toBe(true);

    const del = await c.delete<{ EvalID: string }>('/v1/job/client-test', { purge: 'true' });
    expect(del.EvalID).toBeTruthy();
    await expect(c.get('/v1/job/client-test')).rejects.toMatchObject({ status: 404 });
  });

  it("leaves no listener on the job's signal after a request, whatever its outcome (polling loops)", async () => {
    const job = new AbortController();
    const c = client({ signal: job.signal });
    for (let i = 0; i < 30; i++) await c.get('/v1/namespaces');
    await c.get('/v1/job/nope').catch(() => undefined);
    await c.blockingGet('/v1/jobs', 1, 100);
    expect(getEventListeners(job.signal, 'abort')).toHaveLength(0);
  });

  it('reports Nomad errors with their text and a missing token as 403', async () => {
    await expect(client({ token: 'wrong-token-000000' }).get('/v1/jobs')).rejects.toThrow(/HTTP 403: Permission denied/);
    const bad = await client().post('/v1/jobs/parse', { JobHCL: 'job "x" {\n  colour = "red"\n}\n' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(NomadApiError);
    expect((bad as NomadApiError).message).toContain('Unsupported argument');
  });

  it('never follows a redirect, so the token never reaches another host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers);
      res.end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/v1/jobs`;
    const redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: target });
      res.end();
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    try {
      const c = client({ address: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}` });
      for (const call of [() => c.get('/v1/jobs'), () => c.post('/v1/jobs', { Job: {} })]) {
        const err = (await call().catch((e: unknown) => e)) as NomadApiError;
        expect(err).toBeInstanceOf(NomadApiError);
        expect(err.message).toContain(`redirect to ${target}`);
      }
      expect(seen).toEqual([]);
    } finally {
      elsewhere.close();
      redirecting.close();
    }
  });

  it('a cancelled request says so', async () => {
    const ctl = new AbortController();
    const c = client({ signal: ctl.signal });
    const pending = c.blockingGet('/v1/jobs', 10_000_000, 10_000).catch((e: unknown) => e);
    setTimeout(() => ctl.abort(), 100);
    expect(await pending).toMatchObject({ message: 'cancelled' });
  });
});
