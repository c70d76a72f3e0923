/**
 * The Overseerr → Nomad kinds end to end through `plexops-agent exec` (the real bundled CLI) on real
 * parts: the docker host (real sshd + docker stand-in running the Overseerr stand-in), the real
 * Litestream v0.3.13 against the S3 simulator, and the Nomad simulator running the job's tasks as
 * real processes (litestream restore, Overseerr stand-in, litestream replicate).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DockerHost, startDockerHost } from '../hosts/docker/index';
import { type NomadSim, startNomadSim } from '../sims/nomad/index';
import { type S3Sim, startS3Sim } from '../sims/s3/index';
import { killAll, runAgent } from '../support/agent-bin';

const NOMAD_TOKEN = '5c1d9e2f-7a3b-4c6d-8e9f-0a1b2c3d4e5f';
let s3: S3Sim;
let host: DockerHost;
let nomad: NomadSim;
let dir: string;
let env: Record<string, string>;

const target = () => ({ host: '127.0.0.1', port: host.sshd.port, user: host.sshd.user });
const nomadTarget = () => ({ address: nomad.url, namespace: 'default', tokenEnv: 'NOMAD_TOKEN' });
const moveParams = (extra: Record<string, unknown> = {}) => ({
  dockerHost: target(),
  backupDir: join(dir, 'backups'),
  nomad: nomadTarget(),
  volume: { id: 'overseerr-config', pluginId: 'hostpath' },
  litestream: { endpoint: s3.endpoint, bucket: 'backups', path: 'overseerr/db' },
  settingsTarget: { host: target(), path: nomad.volumeDir('overseerr-config'), owner: '0:0' },
  plex: { ip: '192.0.2.20', port: 32400, useSsl: false },
  healthTimeoutSeconds: 60,
  ...extra,
});

async function exec(kind: string, params: unknown, extraEnv: Record<string, string> = {}) {
  const file = join(dir, `${kind}-${Date.now()}.json`);
  await writeFile(file, JSON.stringify({ kind, params }));
  return runAgent(['exec', file, '--yes'], { ...env, ...extraEnv }, 240_000);
}

beforeAll(async () => {
  [s3, host, nomad] = await Promise.all([
    startS3Sim({ buckets: ['backups'] }),
    startDockerHost({ fixture: { users: 4, requests: 10, walRequests: 3, issues: 2 } }),
    startNomadSim({ aclToken: NOMAD_TOKEN, nodes: 2, csiPlugins: ['hostpath'], runTasks: { restartDelayMs: 100, checkIntervalMs: 100, minHealthyTimeMs: 100, healthyDeadlineMs: 30_000 } }),
  ]);
  dir = join(host.stateDir, '..', 'agent');
  await mkdir(dir, { recursive: true });
  const cred = s3.credentials[0] as S3Sim['credentials'][number];
  await fetch(`${nomad.url}/v1/var/nomad/jobs/overseerr`, { method: 'PUT', headers: { 'X-Nomad-Token': NOMAD_TOKEN }, body: JSON.stringify({ Items: { access_key_id: cred.accessKeyId, secret_access_key: cred.secretAccessKey } }) });
  await writeFile(join(dir, 'policy.json'), JSON.stringify({
    ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: [host.sshd.user] }],
    nomad: [{ address: nomad.url, namespaces: ['default'], tokenEnv: ['NOMAD_TOKEN'] }],
  }));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    PLEXOPS_AGENT_CONFIG_DIR: dir,
    PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig,
    PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '10000',
    NOMAD_TOKEN,
    LITESTREAM_ACCESS_KEY_ID: cred.accessKeyId,
    LITESTREAM_SECRET_ACCESS_KEY: cred.secretAccessKey,
  };
}, 120_000);

afterAll(async () => {
  killAll();
  await Promise.all([nomad?.close(), host?.stop(), s3?.close()]);
});

/** Where each marker first appears in `text` after the previous one; -1 for a missing one. */
function inOrder(text: string, markers: string[]): Array<[string, number]> {
  let from = 0;
  return markers.map((m) => {
    const at = text.indexOf(m, from);
    if (at >= 0) from = at + m.length;
    return [m, at];
  });
}

describe('overseerr-to-nomad and friends through plexops-agent exec', () => {
  it('--dry-run prints every command and HTTP call of every step in order, the rendered job in full, and touches nothing', { timeout: 120_000 }, async () => {
    const file = join(dir, 'dry-run.json');
    await writeFile(file, JSON.stringify({ kind: 'overseerr-to-nomad', params: moveParams({ jobspec: { mode: 'template', tags: ['traefik.enable=true'] } }) }));
    const [nomadBefore, s3Before] = [nomad.requests.length, s3.requests.length];
    const r = await runAgent(['exec', file, '--dry-run'], env, 60_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(nomad.requests.slice(nomadBefore), 'no request reached Nomad').toEqual([]);
    expect(s3.requests.slice(s3Before), 'no request reached S3').toEqual([]);
    const o = r.stdout;
    const api = `${nomad.url}/v1`;
    const markers = [
      'dry run of overseerr-to-nomad',
      '--- step 1/13 preflight', 'docker version', 'docker inspect', `GET ${api}/agent/self`, `GET ${api}/plugin/csi/hostpath`, `GET ${api}/var/nomad/jobs/overseerr`, 'litestream version', 'litestream generations',
      '--- step 2/13 inventory', 'du -sb', 'settings.json', 'PRAGMA integrity_check', 'GET http://127.0.0.1:PUBLISHED-PORT/api/v1/status',
      '--- step 3/13 backup', 'tar -C',
      '--- step 4/13 volume', `GET ${api}/volume/csi/overseerr-config`, `PUT ${api}/volume/csi/overseerr-config/create?namespace=default {"Volumes":[{"ID":"overseerr-config"`,
      '--- step 5/13 plan', 'rendered job overseerr (Nomad API JSON', '"ID": "overseerr"', '"Name": "litestream-restore"', '"-if-replica-exists"', '"Name": "overseerr"', '"traefik.enable=true"', '"Path": "/api/v1/status"', '"Name": "litestream-replicate"', `POST ${api}/job/overseerr/plan`,
      '--- step 6/13 seed-replica', 'litestream generations', 'litestream replicate', 'litestream restore',
      '--- step 7/13 stop', 'docker stop', 'kill -TERM', 'PRAGMA wal_checkpoint(TRUNCATE)', 'PRAGMA integrity_check',
      '--- step 8/13 check-replica', 'litestream restore',
      '--- step 9/13 settings', 'settings.json', 'sha256sum',
      '--- step 10/13 deploy', `POST ${api}/jobs?namespace=default`, `GET ${api}/job/overseerr/allocations`,
      '--- step 11/13 verify', '/api/v1/status', '/api/v1/status/appdata', '/api/v1/user?take=1 (X-Api-Key from settings.json)', '/api/v1/request?take=1', '/api/v1/settings/plex', '/api/v1/settings/radarr',
      '--- step 12/13 settle', `GET ${api}/job/overseerr/deployment`, 'litestream generations',
      '--- step 13/13 report', 'step report done (dry run)',
    ];
    expect(inOrder(o, markers).filter(([, at]) => at < 0), o).toEqual([]);
    // The rendered job is printed whole: it parses back as the job the plan step sends.
    const start = o.indexOf('{', o.indexOf('rendered job overseerr'));
    const end = o.indexOf(`POST ${api}/job/overseerr/plan`);
    const job = JSON.parse(o.slice(start, end)) as { ID: string; TaskGroups: Array<{ Tasks: Array<{ Name: string }> }> };
    expect(job.TaskGroups[0]?.Tasks.map((t) => t.Name)).toEqual(['litestream-restore', 'overseerr', 'litestream-replicate']);
    expect(o).not.toContain(env.LITESTREAM_SECRET_ACCESS_KEY);
    expect(o).not.toContain(NOMAD_TOKEN);
    // Nothing was done: Overseerr runs, no Nomad job or volume, nothing in the bucket.
    expect(host.container()?.State.Running).toBe(true);
    expect((await fetch(`${api}/job/overseerr`, { headers: { 'X-Nomad-Token': NOMAD_TOKEN } })).status).toBe(404);
    expect((await fetch(`${api}/volume/csi/overseerr-config`, { headers: { 'X-Nomad-Token': NOMAD_TOKEN } })).status).toBe(404);
    expect(s3.list('backups')).toEqual([]);
  });

  it('the rollback, cleanup and failover drill dry runs print their commands and calls in order too, and send nothing', { timeout: 120_000 }, async () => {
    const api = `${nomad.url}/v1`;
    const nomadBefore = nomad.requests.length;
    const dry = async (kind: string, params: unknown) => {
      const file = join(dir, `dry-${kind}.json`);
      await writeFile(file, JSON.stringify({ kind, params }));
      const r = await runAgent(['exec', file, '--dry-run'], env, 60_000);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return r.stdout;
    };
    const missing = (o: string, markers: string[]) => inOrder(o, markers).filter(([, at]) => at < 0);
    const rollback = await dry('overseerr-to-nomad-rollback', { dockerHost: target(), nomad: nomadTarget() });
    expect(missing(rollback, [`DELETE ${api}/job/overseerr`, 'stop_live', 'docker start', 'docker inspect', `GET http://127.0.0.1:PUBLISHED-PORT/api/v1/status`]), rollback).toEqual([]);
    const cleanup = await dry('overseerr-cleanup', { dockerHost: target(), nomad: nomadTarget() });
    expect(missing(cleanup, [`GET ${api}/job/overseerr/deployment`, 'docker inspect', 'docker rm', '/COMPOSE-FILE-FROM-THE-CONTAINER-LABELS', 'docker compose -f']), cleanup).toEqual([]);
    const drill = await dry('nomad-failover-drill', { nomad: nomadTarget() });
    expect(missing(drill, [`GET ${api}/job/overseerr/allocations`, `GET ${api}/nodes`, `POST ${api}/node/NODE-RUNNING-THE-ALLOCATION/drain`, `GET ${api}/service/overseerr`, 'GET http://SERVICE-overseerr-ADDRESS/api/v1/status', '"MarkEligible":true']), drill).toEqual([]);
    expect(nomad.requests.slice(nomadBefore)).toEqual([]);
    expect(host.container()?.State.Running).toBe(true);
  });

  it('a bad Nomad token fails at preflight with a clear error, before anything is stopped', async () => {
    const r = await exec('overseerr-to-nomad', moveParams(), { NOMAD_TOKEN: 'not-the-token' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr, r.stdout + r.stderr).toContain(`Nomad at ${nomad.url} refused the token (HTTP 403: Permission denied)`);
    expect(host.container()?.State.Running).toBe(true);
  });

  it('bad HCL: the parse error from Nomad is shown at preflight, before the downtime', async () => {
    const r = await exec('overseerr-to-nomad', moveParams({ jobspec: { mode: 'hcl', hcl: 'job "overseerr" {\n  group "g" {\n' } }));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('Nomad could not parse the jobspec: Failed to parse job: input.hcl:2,13-14: Unclosed configuration block');
    expect(host.container()?.State.Running).toBe(true);
  });

  it('moves Overseerr: every step, verified counts, settings and replication; the container is stopped, not removed', { timeout: 240_000 }, async () => {
    const r = await exec('overseerr-to-nomad', moveParams());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/live seed running \(pid \d+; it stops by itself after 24 h\)/);
    expect(r.stdout).toContain("replica caught up by the live seed's final sync");
    expect(r.stdout).toMatch(/restores to a copy with the stopped DB's 4 users, 10 requests/);
    expect(r.stdout).toMatch(/alloc [0-9a-f]{8} litestream-restore: Terminated — Exit Code: 0/);
    expect(r.stdout).toContain('restore stdout:');
    expect(r.stdout).toMatch(/verified at http:\/\/127\.0\.0\.1:\d+: Overseerr 1\.33\.2, config volume mounted, 4 users and 10 requests/);
    expect(r.stdout).toMatch(/deployment \S+ successful \(Nomad's checks passed/);
    expect(r.stdout).toMatch(/the Litestream sidecar replicates: generation\(s\) [0-9a-f]{16}/);
    expect(r.stdout).not.toContain(host.fixture.apiKey);
    expect(r.stdout).not.toContain(env.LITESTREAM_SECRET_ACCESS_KEY);
    expect(host.container()?.State).toMatchObject({ Running: false, Status: 'exited' });
    const settings = JSON.parse(await readFile(join(nomad.volumeDir('overseerr-config'), 'settings.json'), 'utf8')) as { plex: Record<string, unknown>; main: { apiKey: string }; clientId: string };
    expect(settings.plex).toMatchObject({ ip: '192.0.2.20', port: 32400, useSsl: false, machineId: host.fixture.settings.plex.machineId });
    expect([settings.main.apiKey, settings.clientId]).toEqual([host.fixture.apiKey, host.fixture.settings.clientId]);
  });

  it('refuses to seed over an existing replica (at preflight, before the downtime)', { timeout: 120_000 }, async () => {
    await host.docker('start', 'overseerr');
    const r = await exec('overseerr-to-nomad', moveParams());
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('already has generation(s)');
    expect(host.container()?.State.Running).toBe(true);
    await host.docker('stop', 'overseerr');
  });

  it('the failover drill moves the allocation to the other node and the service comes back', async () => {
    const r = await exec('nomad-failover-drill', { nomad: nomadTarget(), timeoutSeconds: 60 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\/api\/v1\/status answers 200 after the move/);
    expect(r.stdout).toMatch(/node [0-9a-f-]+ eligible again/);
  });

  it('cleanup is refused before the waiting period', async () => {
    const r = await exec('overseerr-cleanup', { dockerHost: target(), nomad: nomadTarget() });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/the waiting period is 24 h/);
    expect(host.container()).toBeDefined();
  });

  it('rollback stops the Nomad job (no purge) and brings the docker container back', async () => {
    const r = await exec('overseerr-to-nomad-rollback', { dockerHost: target(), nomad: nomadTarget() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Overseerr 1\.33\.2 answers on http:\/\/127\.0\.0\.1:\d+ \(docker\) again/);
    expect(host.container()?.State.Running).toBe(true);
    const job = (await (await fetch(`${nomad.url}/v1/job/overseerr`, { headers: { 'X-Nomad-Token': NOMAD_TOKEN } })).json()) as { Stop: boolean; Status: string };
    expect(job).toMatchObject({ Stop: true, Status: 'dead' });
  });

  it('cleanup after the waiting period removes the stopped container and its compose entry', { timeout: 120_000 }, async () => {
    await host.docker('stop', 'overseerr');
    // Re-deploy the job so a successful deployment exists, then ask for a 0 h waiting period.
    const job = await fetch(`${nomad.url}/v1/job/overseerr`, { headers: { 'X-Nomad-Token': NOMAD_TOKEN } }).then((x) => x.json());
    await fetch(`${nomad.url}/v1/jobs`, { method: 'POST', headers: { 'X-Nomad-Token': NOMAD_TOKEN }, body: JSON.stringify({ Job: { ...(job as object), Stop: false } }) });
    for (let i = 0; i < 100; i++) {
      const d = (await (await fetch(`${nomad.url}/v1/job/overseerr/deployment`, { headers: { 'X-Nomad-Token': NOMAD_TOKEN } })).json()) as { Status?: string } | null;
      if (d?.Status === 'successful') break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const r = await exec('overseerr-cleanup', { dockerHost: target(), nomad: nomadTarget(), minHealthyHours: 0 });
    expect(r.code).toBe(0);
    expect(host.container()).toBeUndefined();
    const compose = await readFile(host.composeFile, 'utf8');
    expect(compose).not.toMatch(/^ {2}overseerr:/m);
    expect(compose).toMatch(/^ {2}tautulli:/m);
  });
});
