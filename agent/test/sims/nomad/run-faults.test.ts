/**
 * Failure modes of the simulator's process runner: a template blocked on a missing Nomad Variable
 * (then unblocked), a failing image pull (Driver Failure), a task that never becomes healthy
 * (healthy deadline → deployment failed), and an unknown image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../worker/dev/ports';
import { overseerrLitestreamHcl } from './fixtures-litestream';
import { type NomadSim, startNomadSim } from './index';
import { arr, call, obj } from './test-helpers';

describe('nomad sim: process runner failure modes', () => {
  let nomad: NomadSim;
  let deadS3: string;
  const api = (method: string, path: string, body?: unknown) => call(nomad.url, method, path, body === undefined ? {} : { body });
  async function until(path: string, done: (body: unknown) => boolean): Promise<unknown> {
    let index = 0;
    for (let i = 0; i < 60; i++) {
      const r = await call(nomad.url, 'GET', `${path}${path.includes('?') ? '&' : '?'}index=${index}&wait=1s`, { timeoutMs: 5000 });
      if (r.status === 200 && done(r.json)) return r.json;
      index = Number(r.headers.get('x-nomad-index') ?? 0);
    }
    throw new Error(`condition on ${path} never met`);
  }
  const register = async (id: string, opts: { image?: string; varPath?: string } = {}) => {
    const job = (await api('POST', '/v1/jobs/parse', { JobHCL: overseerrLitestreamHcl({ s3Endpoint: deadS3, bucket: 'b', path: 'p', job: id, volume: `${id}-config`, ...opts }), Canonicalize: true })).json;
    await api('PUT', `/v1/volume/csi/${id}-config/create`, { Volumes: [{ ID: `${id}-config`, PluginID: 'hostpath', RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }] }] });
    expect((await api('POST', '/v1/jobs', { Job: job })).status).toBe(200);
  };
  const allocOf = async (id: string) => obj(arr((await api('GET', `/v1/job/${id}/allocations`)).json)[0]);
  const events = (alloc: Record<string, unknown>, task: string) => arr(obj(obj(alloc.TaskStates)[task]).Events);

  beforeAll(async () => {
    // A closed port: restore with -if-replica-exists finds no replica reachable → litestream errors out.
    deadS3 = `http://127.0.0.1:${await freePort()}`;
    nomad = await startNomadSim({ runTasks: { restartDelayMs: 50, checkIntervalMs: 50, minHealthyTimeMs: 50, healthyDeadlineMs: 1500, killTimeoutMs: 500 } });
  });
  afterAll(() => nomad.close());

  it('a template waits for its Nomad Variable ("Missing: nomad.var.block") and renders once it exists', async () => {
    await register('waits', { varPath: 'nomad/jobs/waits' });
    await until('/v1/job/waits/allocations', (b) => arr(b).some((a) => arr(obj(obj(a.TaskStates ?? {})['litestream-restore'] ?? {}).Events ?? []).some((e) => e.Type === 'Template')));
    const alloc = await allocOf('waits');
    expect(events(alloc, 'litestream-restore').find((e) => e.Type === 'Template')?.DisplayMessage).toBe('Missing: nomad.var.block(nomad/jobs/waits@default.global)');
    expect(alloc.ClientStatus).toBe('pending');
    await api('PUT', '/v1/var/nomad/jobs/waits', { Items: { access_key_id: 'AKIA', secret_access_key: 'secret' } });
    const started = await until('/v1/job/waits/allocations', (b) => arr(events(obj(arr(b)[0]), 'litestream-restore')).some((e) => e.Type === 'Started'));
    expect(arr(started)).toHaveLength(1);
    const yml = await import('node:fs/promises').then((fs) => fs.readFile(`${nomad.allocDir(String(alloc.ID))}/litestream-restore/local/litestream.yml`, 'utf8'));
    expect(yml).toContain('access-key-id: AKIA');
    expect(yml).toContain(`path: ${nomad.allocDir(String(alloc.ID))}/litestream-restore/rootfs/alloc/data/db/db.sqlite3`);
  });

  it('an image that cannot be pulled is a Driver Failure and fails the allocation', async () => {
    await api('PUT', '/v1/var/nomad/jobs/overseerr', { Items: { access_key_id: 'AKIA', secret_access_key: 'secret' } });
    nomad.failTask({ job: 'nopull', task: 'litestream-restore', mode: 'pull', times: 2 });
    await register('nopull');
    const dep = obj(await until('/v1/job/nopull/deployment', (d) => String(obj(d ?? {}).Status) !== 'running'));
    expect(dep.Status).toBe('failed');
    const alloc = await allocOf('nopull');
    const ev = events(alloc, 'litestream-restore');
    expect(ev.filter((e) => e.Type === 'Driver Failure')).toHaveLength(2);
    expect(String(ev.find((e) => e.Type === 'Driver Failure')?.DisplayMessage)).toMatch(/^Failed to pull `litestream\/litestream:0\.3\.13`: /);
    expect(obj(obj(alloc.TaskStates).overseerr).State).toBe('pending');
  });

  it('a task that never answers its check misses the healthy deadline: deployment failed', async () => {
    nomad.failTask({ job: 'hangs', task: 'overseerr', mode: 'hang' });
    nomad.failTask({ job: 'hangs', task: 'litestream-restore', mode: 'exit', exitCode: 0, times: 1 });
    await register('hangs');
    const dep = obj(await until('/v1/job/hangs/deployment', (d) => String(obj(d ?? {}).Status) !== 'running'));
    expect(dep).toMatchObject({ Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations' });
    const alloc = await allocOf('hangs');
    expect(obj(alloc.DeploymentStatus).Healthy).toBe(false);
    expect(obj(obj(alloc.TaskStates).overseerr).State).toBe('running');
  });

  it('variables API: CAS conflict, missing items, list without items', async () => {
    const v = obj((await api('GET', '/v1/var/nomad/jobs/overseerr')).json);
    const conflict = await api('PUT', '/v1/var/nomad/jobs/overseerr?cas=1', { Items: { a: 'b' } });
    expect(conflict.status).toBe(409);
    expect(obj(conflict.json).ModifyIndex).toBe(v.ModifyIndex);
    expect((await api('PUT', '/v1/var/x', { Items: {} })).status).toBe(400);
    expect((await api('PUT', '/v1/var/x', { Items: { n: 1 } })).status).toBe(400);
    const list = arr((await api('GET', '/v1/vars?prefix=nomad/jobs/')).json);
    expect(list.map((x) => x.Path)).toEqual(['nomad/jobs/waits', 'nomad/jobs/overseerr']);
    expect(list[0]).not.toHaveProperty('Items');
    expect((await api('GET', '/v1/var/none')).status).toBe(404);
  });
});
