/**
 * @module kube-sim/http-api.test
 * The raw HTTP API: Status error bodies for bad input, authentication, discovery shapes, SSAR and watch.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from './index.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: any; text: string }

function call(sim: KubeSim, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? sim.token : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = request(`${sim.url}${path}`, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: unknown;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(opts.body);
  });
}

const status = (code: number, reason: string, message: string, details?: object) => ({
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code,
});

describe('kube-sim HTTP API', () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startKubeSim({ missingToken: 'reject', maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('401s missing and wrong tokens with the apiserver Status body', async () => {
    for (const token of [null, 'nope']) {
      const r = await call(sim, 'GET', '/api/v1/namespaces', { token });
      expect(r.status).toBe(401);
      expect(r.body).toEqual(status(401, 'Unauthorized', 'Unauthorized'));
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect((await call(sim, 'GET', '/version', { token: 'nope' })).status).toBe(401);
  });

  it('serves discovery documents', async () => {
    expect((await call(sim, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await call(sim, 'GET', '/apis')).body;
    expect(groups.groups.map((g: { name: string }) => g.name)).toEqual(['apps', 'autoscaling', 'authorization.k8s.io']);
    const apps = (await call(sim, 'GET', '/apis/apps/v1')).body;
    expect(apps.resources).toContainEqual(expect.objectContaining({ name: 'statefulsets/scale', group: 'autoscaling', version: 'v1', kind: 'Scale' }));
    const core = (await call(sim, 'GET', '/api/v1')).body;
    expect(core.resources).toContainEqual(expect.objectContaining({ name: 'pods', shortNames: ['po'], namespaced: true, kind: 'Pod' }));
    const index = (await call(sim, 'GET', '/openapi/v3')).body;
    const coreUrl = index.paths['api/v1'].serverRelativeURL as string;
    const doc = (await call(sim, 'GET', coreUrl)).body;
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect((await call(sim, 'GET', '/healthz')).text).toBe('ok');
  });

  it('404s unknown paths and resources', async () => {
    const generic = status(404, 'NotFound', 'the server could not find the requested resource', {});
    for (const path of ['/api/v1/foos', '/api/v1/namespaces/default/foos', '/apis/nope/v1', '/apis/apps/v1/namespaces/default/statefulsets/x/bogus', '/nothing']) {
      const r = await call(sim, 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toEqual(generic);
    }
    const missing = await call(sim, 'GET', '/apis/apps/v1/namespaces/default/statefulsets/web');
    expect(missing.body).toEqual(status(404, 'NotFound', 'statefulsets.apps "web" not found', { name: 'web', group: 'apps', kind: 'statefulsets' }));
  });

  it('400s malformed JSON bodies', async () => {
    const r = await call(sim, 'POST', '/api/v1/namespaces', { body: '{"metadata": {"name": ', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(r.body.message).toMatch(/json parse error/);
    const arr = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body: '[1,2]', headers: { 'content-type': 'application/json' } });
    expect(arr.status).toBe(400);
  });

  it('413s oversized bodies', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { x: 'a'.repeat(70 * 1024) } });
    const r = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body: big, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(r.body).toEqual(status(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${64 * 1024}`));
    expect(sim.store.configmaps.get('default', 'big')).toBeUndefined();
  });

  it('409s duplicate creates with AlreadyExists', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' }, data: { a: 'b' } });
    const first = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body, headers: { 'content-type': 'application/json' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'dup', namespace: 'default' }, data: { a: 'b' } });
    const second = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body, headers: { 'content-type': 'application/json' } });
    expect(second.status).toBe(409);
    expect(second.body).toEqual(status(409, 'AlreadyExists', 'configmaps "dup" already exists', { name: 'dup', kind: 'configmaps' }));
  });

  it('422s invalid names, 400s namespace mismatches, 404s missing namespaces', async () => {
    const bad = await call(sim, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ metadata: { name: 'Bad_Name' } }) });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ reason: 'Invalid', code: 422, details: { name: 'Bad_Name', kind: 'Namespace', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }] } });
    expect(bad.body.message).toMatch(/^Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label/);
    const noName = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body: '{}' });
    expect(noName.body.message).toBe('ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
    const mismatch = await call(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ metadata: { name: 'x', namespace: 'other' } }) });
    expect(mismatch.body).toEqual(status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    const noNs = await call(sim, 'POST', '/api/v1/namespaces/ghost/configmaps', { body: JSON.stringify({ metadata: { name: 'x' } }) });
    expect(noNs.body).toEqual(status(404, 'NotFound', 'namespaces "ghost" not found', { name: 'ghost', kind: 'namespaces' }));
  });

  it('405s and 415s wrong methods and patch types', async () => {
    const r = await call(sim, 'PUT', '/api/v1/namespaces/default/configmaps');
    expect(r.body).toEqual(status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
    const p = await call(sim, 'PATCH', '/api/v1/namespaces/default', { body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(p.status).toBe(415);
    expect(p.body.reason).toBe('UnsupportedMediaType');
  });

  it('409s stale resourceVersions on update', async () => {
    const cm = sim.store.configmaps.create({ metadata: { name: 'cas', namespace: 'default' }, data: { v: '1' } });
    const ok = await call(sim, 'PUT', '/api/v1/namespaces/default/configmaps/cas', { body: JSON.stringify({ ...cm, data: { v: '2' } }) });
    expect(ok.status).toBe(200);
    const stale = await call(sim, 'PUT', '/api/v1/namespaces/default/configmaps/cas', { body: JSON.stringify({ ...cm, data: { v: '3' } }) });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe('Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('answers SelfSubjectAccessReviews posted as JSON and rejects empty specs', async () => {
    const review = (ns: string) => JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: ns, verb: 'get', resource: 'pods' } } });
    const yes = await call(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review('default') });
    expect(yes.status).toBe(201);
    expect(yes.body).toMatchObject({ kind: 'SelfSubjectAccessReview', status: { allowed: true } });
    const no = await call(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: review('ghost') });
    expect(no.body.status.allowed).toBe(false);
    const empty = await call(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: '{"spec":{}}' });
    expect(empty.status).toBe(422);
  });

  it('streams watch events from a list resourceVersion and 410s expired ones via an ERROR event', async () => {
    const list = (await call(sim, 'GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dwatched')).body;
    expect(list.kind).toBe('ConfigMapList');
    const rv = list.metadata.resourceVersion as string;
    setTimeout(() => sim.store.configmaps.create({ metadata: { name: 'watched', namespace: 'default' } }), 50);
    const w = await call(sim, 'GET', `/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dwatched&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(w.status).toBe(200);
    const events = w.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toEqual([expect.objectContaining({ type: 'ADDED', object: expect.objectContaining({ kind: 'ConfigMap', metadata: expect.objectContaining({ name: 'watched' }) }) })]);
    const bad = await call(sim, 'GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=abc&timeoutSeconds=1');
    expect(JSON.parse(bad.text.trim())).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('rejects unsupported field selectors with 400', async () => {
    const r = await call(sim, 'GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.bogus%3Dx');
    expect(r.body).toEqual(status(400, 'BadRequest', 'field label not supported: spec.bogus'));
  });
});
