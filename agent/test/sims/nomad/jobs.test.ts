import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonJob, OVERSEERR_HCL } from './fixtures';
import { type NomadSim, startNomadSim } from './index';
import { arr, call, obj } from './test-helpers';

const TOKEN = '0b5f2a54-8d7e-4c1f-9a3b-6e2d1c0f9a87';

async function waitFor(sim: NomadSim, path: string, done: (body: unknown) => boolean): Promise<unknown> {
  let index = 0;
  for (let i = 0; i < 50; i++) {
    const r = await call(sim.url, 'GET', `${path}${path.includes('?') ? '&' : '?'}index=${index}&wait=2s`, { token: TOKEN });
    if (done(r.json)) return r.json;
    index = Number(r.headers.get('x-nomad-index'));
  }
  throw new Error(`condition on ${path} never met`);
}

describe('nomad sim: jobs', () => {
  let sim: NomadSim;
  beforeAll(async () => {
    sim = await startNomadSim({ aclToken: TOKEN, namespaces: ['media'], allocStartDelayMs: 20 });
  });
  afterAll(() => sim.close());

  it('parses the Overseerr jobspec into api.Job JSON', async () => {
    const r = await call(sim.url, 'POST', '/v1/jobs/parse', { token: TOKEN, body: { JobHCL: OVERSEERR_HCL, Canonicalize: false } });
    expect(r.status).toBe(200);
    const job = obj(r.json);
    expect([job.ID, job.Name, job.Namespace, job.Type]).toEqual(['overseerr', 'overseerr', 'media', 'service']);
    const group = arr(job.TaskGroups)[0] ?? {};
    expect(group.Count).toBe(1);
    expect(arr(group.Networks)[0]?.DynamicPorts).toEqual([{ Label: 'http', Value: 0, To: 5055, HostNetwork: '' }]);
    expect(obj(obj(group.Volumes).config)).toMatchObject({ Name: 'config', Type: 'csi', Source: 'overseerr-config', AccessMode: 'single-node-writer' });
    const task = arr(group.Tasks)[0] ?? {};
    expect(task.Config).toEqual({ image: 'sctx/overseerr:1.33.2', ports: ['http'] });
    expect(obj(task.Env)).toEqual({ TZ: 'Europe/Berlin', LOG_LEVEL: 'info', PORT: 5055 });
    expect(arr(task.VolumeMounts)[0]).toMatchObject({ Volume: 'config', Destination: '/app/config' });
    expect(obj(task.Resources)).toEqual({ CPU: 500, MemoryMB: 512 });
    const tmpl = arr(task.Templates)[0] ?? {};
    expect(tmpl.EmbeddedTmpl).toBe('PLEX_URL=http://{{ env "NOMAD_IP_http" }}:32400\nAPI_PORT=${NOMAD_PORT_http}\n');
    const svc = arr(task.Services)[0] ?? {};
    expect(svc.PortLabel).toBe('http');
    expect(arr(svc.Checks)[0]).toMatchObject({ Type: 'http', Path: '/api/v1/status', Interval: 10_000_000_000, Timeout: 2_000_000_000 });
  });

  it('parse honours Variables and Canonicalize', async () => {
    const r = await call(sim.url, 'POST', '/v1/jobs/parse', { token: TOKEN, body: { JobHCL: OVERSEERR_HCL, Canonicalize: true, Variables: 'image = "seerr:2"' } });
    const job = obj(r.json);
    expect(job.Priority).toBe(50);
    expect(job.Region).toBe('global');
    expect(obj(arr(arr(job.TaskGroups)[0]?.Tasks)[0]?.Config).image).toBe('seerr:2');
  });

  it('parse rejects invalid HCL with Nomad-style diagnostics', async () => {
    const unclosed = await call(sim.url, 'POST', '/v1/jobs/parse', { token: TOKEN, body: { JobHCL: 'job "x" {\n  group "g" {\n' } });
    expect(unclosed.status).toBe(400);
    expect(unclosed.text).toMatch(/^Failed to parse job: input\.hcl:2,13-14: Unclosed configuration block; /);
    const unknown = await call(sim.url, 'POST', '/v1/jobs/parse', { token: TOKEN, body: { JobHCL: 'job "x" {\n  colour = "red"\n}\n' } });
    expect(unknown.text).toBe('Failed to parse job: input.hcl:2,3-9: Unsupported argument; An argument named "colour" is not expected here.');
    const block = await call(sim.url, 'POST', '/v1/jobs/parse', { token: TOKEN, body: { JobHCL: 'job "x" {\n  group "g" {\n    wat {}\n  }\n}\n' } });
    expect(block.text).toContain('Unsupported block type; Blocks of type "wat" are not expected here.');
    const empty = await call(sim.url, 'POST', '/v1/jobs/parse', { token: TOKEN, body: { JobHCL: '' } });
    expect([empty.status, empty.text]).toEqual([400, 'Job spec is empty']);
  });

  it('parse: method checked before ACL; ACL before body', async () => {
    expect((await call(sim.url, 'GET', '/v1/jobs/parse')).status).toBe(405);
    const denied = await call(sim.url, 'POST', '/v1/jobs/parse', { body: { JobHCL: OVERSEERR_HCL } });
    expect([denied.status, denied.text]).toEqual([403, 'Permission denied']);
  });

  it('malformed or empty JSON bodies are 400 with Go decoder text', async () => {
    const bad = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, raw: '{"Job": nope}' });
    expect([bad.status, bad.text]).toEqual([400, "invalid character 'o' in literal null (expecting 'u')"]);
    const junk = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, raw: 'x{}' });
    expect(junk.text).toBe("invalid character 'x' looking for beginning of value");
    const pair = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, raw: '{"Job" 1}' });
    expect(pair.text).toBe("invalid character '1' after object key");
    const truncated = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, raw: '{"Job": {' });
    expect([truncated.status, truncated.text]).toEqual([400, 'unexpected EOF']);
    const none = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN });
    expect([none.status, none.text]).toEqual([400, 'Request body is empty']);
    const typed = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: { ID: 7 } } });
    expect(typed.status).toBe(400);
    expect(typed.text).toMatch(/^json: cannot unmarshal number into Go struct field/);
  });

  it('oversized bodies get 413 (simulator safety cap; Nomad has none)', async () => {
    const small = await startNomadSim({ maxBodyBytes: 1024 });
    try {
      const r = await call(small.url, 'POST', '/v1/jobs', { raw: JSON.stringify({ Job: { ID: 'x', Meta: { pad: 'a'.repeat(4096) } } }) });
      expect(r.status).toBe(413);
      expect((await call(small.url, 'GET', '/v1/status/leader')).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('register validation errors match job_endpoint.go', async () => {
    expect((await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: {} })).text).toBe('Job must be specified');
    expect((await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: { Name: 'x' } } })).text).toBe("Job ID hasn't been provided");
    expect((await call(sim.url, 'POST', '/v1/job/other', { token: TOKEN, body: { Job: jsonJob('x') } })).text).toBe('Job ID does not match name');
    const ns = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('x', { namespace: 'nope' }) } });
    expect(ns.status).toBe(500);
    expect(ns.text).toBe('1 error occurred:\n\t* job "x" is in nonexistent namespace "nope"\n\n');
    const denied = await call(sim.url, 'POST', '/v1/jobs', { body: { Job: jsonJob('x') } });
    expect([denied.status, denied.text]).toEqual([403, 'Permission denied']);
  });

  it('register → allocations run → deployment successful, healthy allocs', async () => {
    const r = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('web', { count: 2 }) } });
    expect(r.status).toBe(200);
    const reg = obj(r.json);
    expect(typeof reg.EvalID).toBe('string');
    expect(reg.JobModifyIndex).toBeGreaterThan(0);
    expect(reg.Warnings).toBe('');
    expect(Number(r.headers.get('x-nomad-index'))).toBe(reg.EvalCreateIndex);

    const dep = obj(await waitFor(sim, '/v1/job/web/deployment', (b) => obj(b ?? {}).Status === 'successful'));
    expect(dep.StatusDescription).toBe('Deployment completed successfully');
    const allocs = arr((await call(sim.url, 'GET', '/v1/job/web/allocations', { token: TOKEN })).json);
    expect(allocs).toHaveLength(2);
    for (const a of allocs) {
      expect(a.ClientStatus).toBe('running');
      expect(obj(a.DeploymentStatus).Healthy).toBe(true);
    }
    const job = obj((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).json);
    expect([job.Status, job.Version, job.Stable]).toEqual(['running', 0, true]);
    const summary = obj((await call(sim.url, 'GET', '/v1/job/web/summary', { token: TOKEN })).json);
    expect(obj(obj(summary.Summary).app).Running).toBe(2);
    const list = arr((await call(sim.url, 'GET', '/v1/jobs', { token: TOKEN })).json);
    expect(list.find((j) => j.ID === 'web')).toMatchObject({ Status: 'running', Type: 'service' });
    expect(arr((await call(sim.url, 'GET', '/v1/job/web/evaluations', { token: TOKEN })).json)[0]).toMatchObject({ TriggeredBy: 'job-register', Status: 'complete' });
    expect(arr((await call(sim.url, 'GET', '/v1/job/web/deployments', { token: TOKEN })).json)).toHaveLength(1);
  });

  it('allocations start pending with Healthy null before the delay', async () => {
    const slow = await startNomadSim({ allocStartDelayMs: 60_000 });
    try {
      await call(slow.url, 'POST', '/v1/jobs', { body: { Job: jsonJob('slow') } });
      const a = arr((await call(slow.url, 'GET', '/v1/job/slow/allocations')).json)[0] ?? {};
      expect(a.ClientStatus).toBe('pending');
      expect(obj(a.DeploymentStatus).Healthy).toBeNull();
      expect(obj((await call(slow.url, 'GET', '/v1/job/slow/deployment')).json).Status).toBe('running');
    } finally {
      await slow.close();
    }
  });

  it('re-register: unchanged spec keeps the version, changed spec bumps it', async () => {
    const before = obj((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).json);
    const same = obj((await call(sim.url, 'PUT', '/v1/job/web', { token: TOKEN, body: { Job: jsonJob('web', { count: 2 }) } })).json);
    expect(same.JobModifyIndex).toBe(before.ModifyIndex);
    expect(obj((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).json).Version).toBe(0);
    await call(sim.url, 'PUT', '/v1/job/web', { token: TOKEN, body: { Job: jsonJob('web', { count: 2, image: 'nginx:1.28' }) } });
    const after = obj((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).json);
    expect(after.Version).toBe(1);
    await waitFor(sim, '/v1/job/web/deployment', (b) => obj(b ?? {}).JobVersion === 1 && obj(b ?? {}).Status === 'successful');
    const allocs = arr((await call(sim.url, 'GET', '/v1/job/web/allocations', { token: TOKEN })).json);
    expect(allocs.filter((a) => a.DesiredStatus === 'run').every((a) => a.JobVersion === 1)).toBe(true);
    expect(allocs.filter((a) => a.JobVersion === 0).every((a) => a.DesiredStatus === 'stop')).toBe(true);
  });

  it('EnforceIndex mismatches fail with Nomad\'s RPC error (500)', async () => {
    const job = obj((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).json);
    const wrong = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('web', { image: 'x' }), EnforceIndex: true, JobModifyIndex: 3 } });
    expect(wrong.status).toBe(500);
    expect(wrong.text).toBe(`Enforcing job modify index 3: job exists with conflicting job modify index: ${String(job.JobModifyIndex)}`);
    const zero = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('web', { image: 'x' }), EnforceIndex: true, JobModifyIndex: 0 } });
    expect(zero.text).toBe('Enforcing job modify index 0: job already exists');
    const missing = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('ghost'), EnforceIndex: true, JobModifyIndex: 9 } });
    expect(missing.text).toBe('Enforcing job modify index 9: job does not exist');
    const ok = await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('web', { image: 'x' }), EnforceIndex: true, JobModifyIndex: job.JobModifyIndex } });
    expect(ok.status).toBe(200);
  });

  it('plan returns a Diff and annotations; plan errors match', async () => {
    const p = await call(sim.url, 'POST', '/v1/job/newjob/plan', { token: TOKEN, body: { Job: jsonJob('newjob'), Diff: true } });
    const body = obj(p.json);
    expect(obj(body.Diff).Type).toBe('Added');
    expect(obj(obj(obj(body.Annotations).DesiredTGUpdates).app).Place).toBe(1);
    expect(body.FailedTGAllocs).toBeNull();
    expect(body.JobModifyIndex).toBe(0);
    const edit = obj((await call(sim.url, 'POST', '/v1/job/web/plan', { token: TOKEN, body: { Job: jsonJob('web', { image: 'y' }), Diff: true } })).json);
    const task = arr(arr(obj(edit.Diff).TaskGroups)[0]?.Tasks)[0] ?? {};
    expect(task.Type).toBe('Edited');
    expect(arr(arr(task.Objects)[0]?.Fields)[0]).toMatchObject({ Type: 'Edited', Name: 'image', Old: 'x', New: 'y' });
    expect((await call(sim.url, 'POST', '/v1/job/web/plan', { token: TOKEN, body: { Job: jsonJob('other') } })).text).toBe('Job ID does not match');
    expect((await call(sim.url, 'GET', '/v1/job/web/plan', { token: TOKEN })).status).toBe(405);
  });

  it('unknown jobs: 404 for read/summary, empty lists and null elsewhere', async () => {
    const r = await call(sim.url, 'GET', '/v1/job/nope', { token: TOKEN });
    expect([r.status, r.text]).toEqual([404, 'job not found']);
    expect((await call(sim.url, 'GET', '/v1/job/nope/summary', { token: TOKEN })).status).toBe(404);
    expect((await call(sim.url, 'GET', '/v1/job/nope/allocations', { token: TOKEN })).json).toEqual([]);
    expect((await call(sim.url, 'GET', '/v1/job/nope/evaluations', { token: TOKEN })).json).toEqual([]);
    const d = await call(sim.url, 'GET', '/v1/job/nope/deployment', { token: TOKEN });
    expect([d.status, d.text]).toEqual([200, 'null']);
    expect((await call(sim.url, 'GET', '/v1/job/web', { token: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })).status).toBe(403);
  });

  it('namespaced jobs are only visible in their namespace', async () => {
    await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('ns-job', { namespace: 'media' }) } });
    expect((await call(sim.url, 'GET', '/v1/job/ns-job', { token: TOKEN })).status).toBe(404);
    expect((await call(sim.url, 'GET', '/v1/job/ns-job?namespace=media', { token: TOKEN })).status).toBe(200);
    const all = arr((await call(sim.url, 'GET', '/v1/jobs?namespace=*', { token: TOKEN })).json);
    expect(all.some((j) => j.ID === 'ns-job' && j.Namespace === 'media')).toBe(true);
  });

  it('deregister stops the job; purge removes it; bad purge value errors', async () => {
    const stop = await call(sim.url, 'DELETE', '/v1/job/web', { token: TOKEN });
    expect(typeof obj(stop.json).EvalID).toBe('string');
    const job = obj((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).json);
    expect([job.Stop, job.Status]).toEqual([true, 'dead']);
    const bad = await call(sim.url, 'DELETE', '/v1/job/web?purge=maybe', { token: TOKEN });
    expect(bad.status).toBe(500);
    expect(bad.text).toContain('Failed to parse value of "purge" (maybe) as a bool');
    expect((await call(sim.url, 'DELETE', '/v1/job/web?purge=true', { token: TOKEN })).status).toBe(200);
    expect((await call(sim.url, 'GET', '/v1/job/web', { token: TOKEN })).status).toBe(404);
  });

  it('blocking query on a job wakes on change', async () => {
    await call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('blk') } });
    await waitFor(sim, '/v1/job/blk', (b) => obj(b).Stable === true);
    const first = await call(sim.url, 'GET', '/v1/job/blk', { token: TOKEN });
    const idx = Number(first.headers.get('x-nomad-index'));
    const pending = call(sim.url, 'GET', `/v1/job/blk?index=${idx}&wait=20s`, { token: TOKEN });
    await new Promise((r) => setTimeout(r, 30));
    const write = call(sim.url, 'POST', '/v1/jobs', { token: TOKEN, body: { Job: jsonJob('blk', { image: 'changed' }) } });
    const r = await pending;
    await write;
    expect(obj(r.json).Version).toBe(1);
    expect(Number(r.headers.get('x-nomad-index'))).toBeGreaterThan(idx);
  });
});
