import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonJob } from './fixtures';
import { type NomadSim, startNomadSim } from './index';
import { arr, call, obj } from './test-helpers';

const vol = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ID: id,
  Name: id,
  ExternalID: `ext-${id}`,
  PluginID: 'hostpath',
  RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }],
  ...extra,
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition never met');
}

describe('nomad sim: CSI volumes', () => {
  let sim: NomadSim;
  beforeAll(async () => {
    sim = await startNomadSim({ csiPlugins: ['hostpath'], allocStartDelayMs: 10 });
  });
  afterAll(() => sim.close());

  it('registers, reads and lists a volume', async () => {
    const r = await call(sim.url, 'PUT', '/v1/volume/csi/overseerr-config', { body: { Volumes: [vol('overseerr-config')] } });
    expect(r.status).toBe(200);
    expect(arr(obj(r.json).Volumes)[0]).toMatchObject({ ID: 'overseerr-config', Namespace: 'default', PluginID: 'hostpath', Schedulable: true });
    const got = await call(sim.url, 'GET', '/v1/volume/csi/overseerr-config');
    expect(obj(got.json)).toMatchObject({ ID: 'overseerr-config', ExternalID: 'ext-overseerr-config', ReadAllocs: {}, WriteAllocs: {} });
    expect(Number(got.headers.get('x-nomad-index'))).toBeGreaterThan(0);
    const list = arr((await call(sim.url, 'GET', '/v1/volumes?type=csi')).json);
    expect(list.map((v) => v.ID)).toEqual(['overseerr-config']);
    expect(list[0]).toMatchObject({ CurrentWriters: 0, CurrentReaders: 0 });
    expect((await call(sim.url, 'GET', '/v1/volumes')).json).toEqual([]);
    const bogus = await call(sim.url, 'GET', '/v1/volumes?type=nfs');
    expect([bogus.status, bogus.text]).toEqual([404, 'resource not found']);
  });

  it('create provisions an external ID and capacity', async () => {
    const r = await call(sim.url, 'PUT', '/v1/volume/csi/made/create', { body: { Volumes: [vol('made', { ExternalID: '', RequestedCapacityMin: 5 * 1024 ** 3 })] } });
    const v = arr(obj(r.json).Volumes)[0] ?? {};
    expect(String(v.ExternalID)).not.toBe('');
    expect(v.Capacity).toBe(5 * 1024 ** 3);
  });

  it('bad input: validation, unknown plugin, malformed JSON, unknown volume, POST on the specific path', async () => {
    const invalid = await call(sim.url, 'PUT', '/v1/volume/csi/x', { body: { Volumes: [{ ID: 'x' }] } });
    expect([invalid.status, invalid.text]).toEqual([500, 'validation: missing plugin id, must include at least one capability block']);
    const plugin = await call(sim.url, 'PUT', '/v1/volume/csi/x', { body: { Volumes: [vol('x', { PluginID: 'nope' })] } });
    expect(plugin.text).toBe('no CSI plugin named: nope could be found');
    expect((await call(sim.url, 'PUT', '/v1/volume/csi/x', { body: { Volumes: [] } })).text).toBe('missing volume definition');
    const malformed = await call(sim.url, 'PUT', '/v1/volume/csi/x', { raw: '{"Volumes": [' });
    expect([malformed.status, malformed.text]).toEqual([400, 'unexpected EOF']);
    const missing = await call(sim.url, 'GET', '/v1/volume/csi/ghost');
    expect([missing.status, missing.text]).toEqual([404, 'volume not found']);
    expect((await call(sim.url, 'POST', '/v1/volume/csi/x', { body: { Volumes: [vol('x')] } })).status).toBe(405);
    const plugChange = await call(sim.url, 'PUT', '/v1/volume/csi/made', { body: { Volumes: [vol('made', { PluginID: 'other', ExternalID: '' })] } });
    expect(plugChange.status).toBe(500);
  });

  it('plan reports a missing CSI volume in FailedTGAllocs', async () => {
    const p = obj((await call(sim.url, 'POST', '/v1/job/needs-vol/plan', { body: { Job: jsonJob('needs-vol', { volume: 'absent' }) } })).json);
    const failed = obj(obj(p.FailedTGAllocs).app);
    expect(obj(failed.ConstraintFiltered)).toEqual({ 'missing CSI volume(s) absent': 1 });
    expect(failed.NodesFiltered).toBe(1);
  });

  it('a running alloc write-claims the volume; a second writer job fails with exhausted writer claims (nomad#10927)', async () => {
    await call(sim.url, 'POST', '/v1/jobs', { body: { Job: jsonJob('overseerr', { volume: 'overseerr-config' }) } });
    await until(async () => arr((await call(sim.url, 'GET', '/v1/job/overseerr/allocations')).json)[0]?.ClientStatus === 'running');
    const v = obj((await call(sim.url, 'GET', '/v1/volume/csi/overseerr-config')).json);
    const writers = obj(v.WriteAllocs);
    expect(Object.keys(writers)).toHaveLength(1);
    expect(obj(Object.values(writers)[0]).JobID).toBe('overseerr');
    expect(v.AccessMode).toBe('single-node-writer');
    expect(arr((await call(sim.url, 'GET', '/v1/volumes?type=csi')).json).find((x) => x.ID === 'overseerr-config')?.CurrentWriters).toBe(1);

    const p = obj((await call(sim.url, 'POST', '/v1/job/second/plan', { body: { Job: jsonJob('second', { volume: 'overseerr-config' }) } })).json);
    expect(obj(obj(obj(p.FailedTGAllocs).app).ConstraintFiltered)).toEqual({ 'CSI volume overseerr-config has exhausted its available writer claims': 1 });
    const reg = obj((await call(sim.url, 'POST', '/v1/jobs', { body: { Job: jsonJob('second', { volume: 'overseerr-config' }) } })).json);
    const ev = arr((await call(sim.url, 'GET', '/v1/job/second/evaluations')).json).find((e) => e.ID === reg.EvalID) ?? {};
    expect(Object.keys(obj(ev.FailedTGAllocs))).toEqual(['app']);
    expect(String(ev.BlockedEval)).not.toBe('');
    expect((await call(sim.url, 'GET', '/v1/job/second/allocations')).json).toEqual([]);
    expect(obj((await call(sim.url, 'GET', '/v1/job/second')).json).Status).toBe('pending');
    expect(obj(obj(obj((await call(sim.url, 'GET', '/v1/job/second/summary')).json).Summary).app).Queued).toBe(1);

    // A read-only claim does not need a writer slot; an update of the same job is not blocked by its own claim.
    const ro = obj((await call(sim.url, 'POST', '/v1/job/reader/plan', { body: { Job: jsonJob('reader', { volume: 'overseerr-config', readOnly: true }) } })).json);
    expect(ro.FailedTGAllocs).toBeNull();
    const upd = obj((await call(sim.url, 'POST', '/v1/job/overseerr/plan', { body: { Job: jsonJob('overseerr', { volume: 'overseerr-config', image: 'new' }) } })).json);
    expect(upd.FailedTGAllocs).toBeNull();
  });

  it('deregistering a claimed volume fails with "volume in use"; claims release after the job stops', async () => {
    const busy = await call(sim.url, 'DELETE', '/v1/volume/csi/overseerr-config');
    expect([busy.status, busy.text]).toEqual([500, 'volume in use: overseerr-config']);
    expect((await call(sim.url, 'DELETE', '/v1/volume/csi/overseerr-config?force=maybe')).text).toBe('invalid force value');
    await call(sim.url, 'DELETE', '/v1/job/second?purge=true');
    await call(sim.url, 'DELETE', '/v1/job/overseerr?purge=true');
    await until(async () => Object.keys(obj(obj((await call(sim.url, 'GET', '/v1/volume/csi/overseerr-config')).json).WriteAllocs)).length === 0);
    expect((await call(sim.url, 'DELETE', '/v1/volume/csi/overseerr-config')).status).toBe(200);
    expect((await call(sim.url, 'GET', '/v1/volume/csi/overseerr-config')).status).toBe(404);
    expect((await call(sim.url, 'DELETE', '/v1/volume/csi/overseerr-config')).text).toBe('volume not found: overseerr-config');
  });

  it('ACLs apply to volume endpoints', async () => {
    const token = '6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
    const acl = await startNomadSim({ aclToken: token });
    try {
      expect((await call(acl.url, 'GET', '/v1/volumes?type=csi')).status).toBe(403);
      expect((await call(acl.url, 'PUT', '/v1/volume/csi/a', { body: { Volumes: [vol('a')] } })).text).toBe('Permission denied');
      expect((await call(acl.url, 'PUT', '/v1/volume/csi/a', { token, body: { Volumes: [vol('a')] } })).status).toBe(200);
    } finally {
      await acl.close();
    }
  });

  it('state can seed volumes directly', async () => {
    sim.state.seedVolume({ ID: 'seeded', PluginID: 'hostpath' });
    expect((await call(sim.url, 'GET', '/v1/volume/csi/seeded')).status).toBe(200);
  });
});
