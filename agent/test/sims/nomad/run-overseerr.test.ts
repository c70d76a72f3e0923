/**
 * The Nomad simulator running a real Overseerr/Litestream job: the restore prestart task is the
 * REAL litestream restoring from the S3 simulator into the allocation dir, the Overseerr task is
 * the stand-in over the restored DB and the CSI volume's settings.json, the replicate sidecar is
 * the real litestream again; health from the HTTP check; task events and logs through the API;
 * node drain moves the allocation and the service comes back; a crashing task fails the deployment.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicateUntilSnapshot, writeLitestreamConfig } from '../../support/litestream';
import { createOverseerrConfig, type OverseerrFixture } from '../overseerr/fixture';
import { type S3Sim, startS3Sim } from '../s3/index';
import { overseerrLitestreamHcl } from './fixtures-litestream';
import { type NomadSim, startNomadSim } from './index';
import { arr, call, obj } from './test-helpers';

const TOKEN = '3f6e1c2a-9b8d-4e7f-a6c5-1d2e3f4a5b6c';

describe('nomad sim: running the Overseerr job for real', () => {
  let s3: S3Sim;
  let nomad: NomadSim;
  let dir: string;
  let fx: OverseerrFixture;
  const api = (method: string, path: string, body?: unknown) => call(nomad.url, method, path, { token: TOKEN, ...(body === undefined ? {} : { body }) });

  /** Blocking-query loop on `path` until `done` (bounded by attempts × wait). */
  async function until(path: string, done: (body: unknown) => boolean, attempts = 60): Promise<unknown> {
    let index = 0;
    for (let i = 0; i < attempts; i++) {
      const r = await call(nomad.url, 'GET', `${path}${path.includes('?') ? '&' : '?'}index=${index}&wait=1s`, { token: TOKEN, timeoutMs: 5000 });
      if (r.status === 200 && done(r.json)) return r.json;
      index = Number(r.headers.get('x-nomad-index') ?? 0);
    }
    throw new Error(`condition on ${path} never met`);
  }
  const serviceUrl = async (): Promise<string> => {
    const regs = arr(await until('/v1/service/overseerr', (b) => arr(b).length === 1));
    return `http://${String(regs[0]?.Address)}:${String(regs[0]?.Port)}`;
  };
  const get = async (url: string, key?: string) => (await fetch(url, { headers: key ? { 'X-Api-Key': key } : {}, signal: AbortSignal.timeout(5000) })).json() as Promise<Record<string, unknown>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nomad-run-'));
    s3 = await startS3Sim({ buckets: ['backups'] });
    const cred = s3.credentials[0] as S3Sim['credentials'][number];
    // The source Overseerr (rows in its WAL) seeds the replica, as the migration's step 6 does.
    fx = await createOverseerrConfig(join(dir, 'source'), { users: 4, requests: 9, walRequests: 3 });
    const cfg = await writeLitestreamConfig(join(dir, 'seed.yml'), { dbPath: fx.dbPath, bucket: 'backups', path: 'overseerr/db', endpoint: s3.endpoint, accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey });
    await replicateUntilSnapshot(cfg, fx.dbPath, { timeoutMs: 20_000 });
    nomad = await startNomadSim({ aclToken: TOKEN, nodes: 2, runTasks: { restartDelayMs: 100, checkIntervalMs: 100, minHealthyTimeMs: 100, healthyDeadlineMs: 20_000, killTimeoutMs: 2000 } });
    expect((await api('PUT', '/v1/var/nomad/jobs/overseerr', { Namespace: 'default', Path: 'nomad/jobs/overseerr', Items: { access_key_id: cred.accessKeyId, secret_access_key: cred.secretAccessKey } })).status).toBe(200);
    const vol = { ID: 'overseerr-config', Name: 'overseerr-config', PluginID: 'hostpath', RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }] };
    expect((await api('PUT', '/v1/volume/csi/overseerr-config/create', { Volumes: [vol] })).status).toBe(200);
    await copyFile(fx.settingsPath, join(nomad.volumeDir('overseerr-config'), 'settings.json'));
  });
  afterAll(async () => {
    await nomad?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores with the real litestream, runs Overseerr on the restored DB, and becomes healthy', async () => {
    const parsed = await api('POST', '/v1/jobs/parse', { JobHCL: overseerrLitestreamHcl({ s3Endpoint: s3.endpoint, bucket: 'backups', path: 'overseerr/db' }), Canonicalize: true });
    expect(parsed.status).toBe(200);
    const plan = await api('POST', '/v1/job/overseerr/plan', { Job: parsed.json, Diff: true });
    expect(obj(plan.json).FailedTGAllocs).toBeNull();
    expect((await api('POST', '/v1/jobs', { Job: parsed.json })).status).toBe(200);
    const dep = obj(await until('/v1/job/overseerr/deployment', (d) => ['successful', 'failed'].includes(String(obj(d ?? {}).Status))));
    expect(dep.Status).toBe('successful');

    const [alloc] = arr((await api('GET', '/v1/job/overseerr/allocations')).json);
    const full = obj((await api('GET', `/v1/allocation/${String(alloc?.ID)}`)).json);
    expect(full.ClientStatus).toBe('running');
    expect(obj(full.DeploymentStatus).Healthy).toBe(true);
    const states = obj(full.TaskStates);
    expect(obj(states['litestream-restore'])).toMatchObject({ State: 'dead', Failed: false });
    expect(arr(obj(states['litestream-restore']).Events).map((e) => e.Type)).toEqual(['Received', 'Task Setup', 'Driver', 'Started', 'Terminated']);
    expect(arr(obj(states['litestream-restore']).Events).at(-1)).toMatchObject({ DisplayMessage: 'Exit Code: 0', ExitCode: 0 });
    expect(obj(states.overseerr).State).toBe('running');
    expect(obj(states['litestream-replicate']).State).toBe('running');
    const port = arr(obj(full.AllocatedResources).Shared ? obj(obj(full.AllocatedResources).Shared).Ports : [])[0];
    expect(port).toMatchObject({ Label: 'http', To: 5055, HostIP: '127.0.0.1' });

    const url = await serviceUrl();
    expect(url).toBe(`http://127.0.0.1:${String(port?.Value)}`);
    expect((await get(`${url}/api/v1/status`)).version).toBe('1.33.2');
    expect(await get(`${url}/api/v1/status/appdata`)).toMatchObject({ appData: true });
    const reqs = await get(`${url}/api/v1/request?take=1`, fx.apiKey);
    expect(obj(reqs.pageInfo).results).toBe(fx.counts.requests);
    expect(obj((await get(`${url}/api/v1/user?take=1`, fx.apiKey)).pageInfo).results).toBe(fx.counts.users);
    expect(await get(`${url}/api/v1/settings/plex`, fx.apiKey)).toEqual(fx.settings.plex);

    // Task logs through the API: plain text and framed.
    const plain = await call(nomad.url, 'GET', `/v1/client/fs/logs/${String(alloc?.ID)}?task=litestream-restore&type=stdout&plain=true`, { token: TOKEN });
    expect(plain.text).toContain('restoring snapshot');
    const framed = await call(nomad.url, 'GET', `/v1/client/fs/logs/${String(alloc?.ID)}?task=litestream-restore&type=stdout`, { token: TOKEN });
    expect(Buffer.from(String(obj(framed.json).Data), 'base64').toString()).toContain('restoring snapshot');
    expect((await call(nomad.url, 'GET', `/v1/client/fs/logs/${String(alloc?.ID)}?task=litestream-restore&type=x`, { token: TOKEN })).status).toBe(400);
    expect((await call(nomad.url, 'GET', `/v1/client/fs/logs/${String(alloc?.ID)}?type=stdout`, { token: TOKEN })).text).toBe('must include task name');
    expect((await call(nomad.url, 'GET', `/v1/client/fs/logs/nope?task=x&type=stdout`, { token: TOKEN })).status).toBe(404);

    // The replicate sidecar starts a new generation on the restored DB.
    for (let i = 0; i < 50 && new Set(s3.list('backups', 'overseerr/db/generations/').map((k) => k.key.split('/')[3])).size < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(new Set(s3.list('backups', 'overseerr/db/generations/').map((k) => k.key.split('/')[3])).size).toBe(2);
  });

  it('node drain moves the allocation to the other node and the service comes back with the same data', async () => {
    const [old] = arr((await api('GET', '/v1/job/overseerr/allocations')).json).filter((a) => a.ClientStatus === 'running');
    const drained = await api('POST', `/v1/node/${String(old?.NodeID)}/drain`, { DrainSpec: { Deadline: 3_600_000_000_000, IgnoreSystemJobs: false }, Meta: { reason: 'failover drill' } });
    expect(drained.status).toBe(200);
    const allocs = arr(await until('/v1/job/overseerr/allocations', (b) => arr(b).some((a) => a.PreviousAllocation === old?.ID && obj(a.DeploymentStatus ?? {}).Healthy === true)));
    const next = allocs.find((a) => a.PreviousAllocation === old?.ID);
    expect(next?.NodeID).not.toBe(old?.NodeID);
    const oldNow = allocs.find((a) => a.ID === old?.ID);
    expect(oldNow).toMatchObject({ DesiredStatus: 'stop', ClientStatus: 'complete', NextAllocation: next?.ID });
    expect(obj(oldNow?.DesiredTransition).Migrate).toBe(true);
    const nodeRes = await api('GET', `/v1/node/${String(old?.NodeID)}`);
    expect([nodeRes.status, nodeRes.text.slice(0, 200)]).toEqual([200, expect.any(String)]);
    const node = obj(nodeRes.json);
    expect(node.SchedulingEligibility).toBe('ineligible');
    const url = await serviceUrl();
    expect(obj((await get(`${url}/api/v1/request?take=1`, fx.apiKey)).pageInfo).results).toBe(fx.counts.requests);
    const undrain = await api('POST', `/v1/node/${String(old?.NodeID)}/drain`, { DrainSpec: null, MarkEligible: true });
    expect(undrain.status).toBe(200);
    expect(obj((await api('GET', `/v1/node/${String(old?.NodeID)}`)).json)).toMatchObject({ SchedulingEligibility: 'eligible', Drain: false });
    expect(arr((await api('GET', '/v1/nodes')).json)).toHaveLength(2);
  });

  it('a task that keeps exiting fails the deployment, with Nomad task events and its stderr in the logs', async () => {
    nomad.failTask({ task: 'overseerr', mode: 'exit', exitCode: 1, message: 'Error: SQLITE_CORRUPT: database disk image is malformed' });
    const hcl = overseerrLitestreamHcl({ s3Endpoint: s3.endpoint, bucket: 'backups', path: 'overseerr/db', image: 'sctx/overseerr:1.34.0' });
    const job = (await api('POST', '/v1/jobs/parse', { JobHCL: hcl, Canonicalize: true })).json;
    expect((await api('POST', '/v1/jobs', { Job: job })).status).toBe(200);
    const dep = obj(await until('/v1/job/overseerr/deployment', (d) => obj(d ?? {}).JobVersion === 1 && ['successful', 'failed'].includes(String(obj(d ?? {}).Status))));
    expect(dep).toMatchObject({ Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations' });
    const failed = arr((await api('GET', '/v1/job/overseerr/allocations')).json).find((a) => a.JobVersion === 1);
    expect(failed?.ClientStatus).toBe('failed');
    const events = arr(obj(obj(failed?.TaskStates).overseerr).Events);
    expect(events.map((e) => e.Type)).toEqual(expect.arrayContaining(['Started', 'Terminated', 'Restarting', 'Not Restarting']));
    expect(events.find((e) => e.Type === 'Not Restarting')?.DisplayMessage).toBe('Exceeded allowed attempts 1 in interval 30m0s and mode is "fail"');
    const stderr = await call(nomad.url, 'GET', `/v1/client/fs/logs/${String(failed?.ID)}?task=overseerr&type=stderr&plain=true`, { token: TOKEN });
    expect(stderr.text).toContain('SQLITE_CORRUPT');
  });
});
