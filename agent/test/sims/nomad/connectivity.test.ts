import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NomadSim, startNomadSim } from './index';
import { arr, call, obj } from './test-helpers';

const TOKEN = '85310d07-9afa-ef53-0933-0c043cd673c7';

describe('nomad sim: connectivity endpoints, ACLs disabled', () => {
  let sim: NomadSim;
  beforeAll(async () => {
    sim = await startNomadSim({ version: '1.9.7', namespaces: ['media'] });
  });
  afterAll(() => sim.close());

  it('status/leader returns the leader address as a JSON string', async () => {
    const r = await call(sim.url, 'GET', '/v1/status/leader');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json).toBe('127.0.0.1:4647');
    expect(arr((await call(sim.url, 'GET', '/v1/status/peers')).json)).toEqual(['127.0.0.1:4647']);
  });

  it('agent/self reports version, region and member', async () => {
    const r = await call(sim.url, 'GET', '/v1/agent/self');
    const body = obj(r.json);
    expect(obj(obj(body.config).Version).Version).toBe('1.9.7');
    expect(obj(body.config).Region).toBe('global');
    expect(obj(obj(body.member).Tags).build).toBe('1.9.7');
    expect(obj(body.member).Status).toBe('alive');
  });

  it('regions lists the configured region', async () => {
    expect((await call(sim.url, 'GET', '/v1/regions')).json).toEqual(['global']);
  });

  it('namespaces lists default plus seeded, with X-Nomad-Index', async () => {
    const r = await call(sim.url, 'GET', '/v1/namespaces');
    expect(arr(r.json).map((n) => n.Name)).toEqual(['default', 'media']);
    expect(Number(r.headers.get('x-nomad-index'))).toBeGreaterThan(0);
    expect(obj((await call(sim.url, 'GET', '/v1/namespace/media')).json).Name).toBe('media');
  });

  it('unknown namespace is 404 "Namespace not found" as text/plain', async () => {
    const r = await call(sim.url, 'GET', '/v1/namespace/nope');
    expect(r.status).toBe(404);
    expect(r.text).toBe('Namespace not found');
    expect(r.headers.get('content-type')).toBe('text/plain');
  });

  it('acl/token/self with ACLs disabled returns the acls-disabled token', async () => {
    const r = await call(sim.url, 'GET', '/v1/acl/token/self');
    expect(r.status).toBe(200);
    expect(obj(r.json).AccessorID).toBe('acls-disabled');
  });

  it('wrong methods get 405 "Invalid method", unknown paths 404 with empty body', async () => {
    const r = await call(sim.url, 'POST', '/v1/agent/self', { body: {} });
    expect([r.status, r.text]).toEqual([405, 'Invalid method']);
    const u = await call(sim.url, 'GET', '/v1/does/not/exist');
    expect([u.status, u.text]).toEqual([404, '']);
  });

  it('records requests', () => {
    expect(sim.requests.some((q) => q.path === '/v1/status/leader' && q.method === 'GET')).toBe(true);
  });
});

describe('nomad sim: connectivity endpoints, ACLs enabled', () => {
  let sim: NomadSim;
  beforeAll(async () => {
    sim = await startNomadSim({ aclToken: TOKEN, namespaces: ['media'] });
  });
  afterAll(() => sim.close());

  it('status/leader and regions need no token', async () => {
    expect((await call(sim.url, 'GET', '/v1/status/leader')).status).toBe(200);
    expect((await call(sim.url, 'GET', '/v1/regions')).status).toBe(200);
  });

  it('agent/self: no token → 403 Permission denied; unknown token → 403 ACL token not found', async () => {
    const none = await call(sim.url, 'GET', '/v1/agent/self');
    expect([none.status, none.text]).toEqual([403, 'Permission denied']);
    const wrong = await call(sim.url, 'GET', '/v1/agent/self', { token: '00000000-0000-0000-0000-000000000000' });
    expect([wrong.status, wrong.text]).toEqual([403, 'ACL token not found']);
    expect((await call(sim.url, 'GET', '/v1/agent/self', { token: TOKEN })).status).toBe(200);
  });

  it('accepts Authorization: Bearer', async () => {
    const r = await call(sim.url, 'GET', '/v1/agent/self', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(sim.requests.at(-1)?.token).toBe(TOKEN);
  });

  it('acl/token/self: management token, anonymous, unknown', async () => {
    const ok = await call(sim.url, 'GET', '/v1/acl/token/self', { token: TOKEN });
    expect(obj(ok.json).Type).toBe('management');
    expect(obj(ok.json).SecretID).toBe(TOKEN);
    const anon = await call(sim.url, 'GET', '/v1/acl/token/self');
    expect(obj(anon.json).AccessorID).toBe('anonymous');
    const bad = await call(sim.url, 'GET', '/v1/acl/token/self', { token: '11111111-2222-3333-4444-555555555555' });
    expect([bad.status, bad.text]).toEqual([403, 'ACL token not found']);
  });

  it('namespaces: anonymous sees an empty list, bad token is denied, management sees all', async () => {
    expect((await call(sim.url, 'GET', '/v1/namespaces')).json).toEqual([]);
    const bad = await call(sim.url, 'GET', '/v1/namespaces', { token: 'not-a-uuid' });
    expect([bad.status, bad.text]).toEqual([403, 'Permission denied']);
    expect(arr((await call(sim.url, 'GET', '/v1/namespaces', { token: TOKEN })).json)).toHaveLength(2);
    const one = await call(sim.url, 'GET', '/v1/namespace/media');
    expect(one.status).toBe(403);
  });
});

describe('nomad sim: blocking queries and faults', () => {
  let sim: NomadSim;
  beforeAll(async () => {
    sim = await startNomadSim();
  });
  afterAll(() => sim.close());

  it('holds until the index advances', async () => {
    const first = await call(sim.url, 'GET', '/v1/namespaces');
    const idx = Number(first.headers.get('x-nomad-index'));
    const pending = call(sim.url, 'GET', `/v1/namespaces?index=${idx}&wait=20s`);
    setTimeout(() => sim.state.addNamespace('later'), 50);
    const r = await pending;
    expect(Number(r.headers.get('x-nomad-index'))).toBeGreaterThan(idx);
    expect(arr(r.json).map((n) => n.Name)).toContain('later');
  });

  it('returns the unchanged index after wait elapses', async () => {
    const idx = Number((await call(sim.url, 'GET', '/v1/namespaces')).headers.get('x-nomad-index'));
    const r = await call(sim.url, 'GET', `/v1/namespaces?index=${idx}&wait=100ms`);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-nomad-index'))).toBe(idx);
  });

  it('rejects bad wait / index like Nomad', async () => {
    expect((await call(sim.url, 'GET', '/v1/namespaces?index=5&wait=soon')).text).toBe('Invalid wait time');
    const r = await call(sim.url, 'GET', '/v1/namespaces?index=-1');
    expect([r.status, r.text]).toEqual([400, 'Invalid index']);
  });

  it('failNext fails exactly the next matching request', async () => {
    sim.failNext('/v1/status/leader', 503);
    const a = await call(sim.url, 'GET', '/v1/status/leader');
    expect(a.status).toBe(503);
    const b = await call(sim.url, 'GET', '/v1/status/leader');
    expect(b.status).toBe(200);
  });

  it('failNext queues per path and works for writes (body is drained, nothing applied)', async () => {
    sim.failNext('/v1/jobs', 500);
    sim.failNext('/v1/jobs', 429);
    const job = { Job: { ID: 'j', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'docker' }] }] } };
    expect((await call(sim.url, 'POST', '/v1/jobs', { body: job })).status).toBe(500);
    expect((await call(sim.url, 'POST', '/v1/jobs', { body: job })).status).toBe(429);
    expect((await call(sim.url, 'GET', '/v1/job/j')).status).toBe(404);
    expect((await call(sim.url, 'POST', '/v1/jobs', { body: job })).status).toBe(200);
    expect(sim.requests.filter((r) => r.path === '/v1/jobs' && r.method === 'POST')).toHaveLength(3);
  });
});

describe('nomad sim: hostile requests', () => {
  it('bad percent-encoding and odd paths get errors, never a crash', async () => {
    const sim = await startNomadSim();
    try {
      const r = await call(sim.url, 'GET', '/v1/job/%ZZ');
      expect(r.status).toBe(400);
      expect((await call(sim.url, 'GET', '//v1/status/leader')).status).toBe(404);
      expect((await call(sim.url, 'GET', '/v1/job/a%2Fb')).status).toBe(404);
      expect((await call(sim.url, 'GET', '/v1/status/leader')).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
