/**
 * A move whose Nomad deployment fails (the Overseerr task keeps exiting): the job fails with the
 * task events in its log, and the rollback kind brings the docker container back.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DockerHost, startDockerHost } from '../hosts/docker/index';
import { type NomadSim, startNomadSim } from '../sims/nomad/index';
import { type S3Sim, startS3Sim } from '../sims/s3/index';
import { killAll, runAgent, startAgent } from '../support/agent-bin';

let s3: S3Sim;
let host: DockerHost;
let nomad: NomadSim;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  [s3, host, nomad] = await Promise.all([
    startS3Sim({ buckets: ['backups'] }),
    startDockerHost({ fixture: { users: 2, requests: 4, walRequests: 1 } }),
    startNomadSim({ runTasks: { restartDelayMs: 50, checkIntervalMs: 100, minHealthyTimeMs: 100, healthyDeadlineMs: 20_000 } }),
  ]);
  dir = join(host.stateDir, '..', 'agent');
  await mkdir(dir, { recursive: true });
  const cred = s3.credentials[0] as S3Sim['credentials'][number];
  await fetch(`${nomad.url}/v1/var/nomad/jobs/overseerr`, { method: 'PUT', body: JSON.stringify({ Items: { access_key_id: cred.accessKeyId, secret_access_key: cred.secretAccessKey } }) });
  await writeFile(join(dir, 'policy.json'), JSON.stringify({ ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: [host.sshd.user] }], nomad: [{ address: nomad.url, namespaces: ['default'] }] }));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig,
    PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '10000', LITESTREAM_ACCESS_KEY_ID: cred.accessKeyId, LITESTREAM_SECRET_ACCESS_KEY: cred.secretAccessKey,
  };
}, 120_000);

afterAll(async () => {
  killAll();
  await Promise.all([nomad?.close(), host?.stop(), s3?.close()]);
});

it('deployment fails → the job fails with the task events; the rollback restores docker', { timeout: 240_000 }, async () => {
  nomad.failTask({ job: 'overseerr', task: 'overseerr', mode: 'exit', exitCode: 1, message: 'Error: SQLITE_CANTOPEN: unable to open database file' });
  const target = { host: '127.0.0.1', port: host.sshd.port, user: host.sshd.user };
  const job = async (kind: string, params: unknown) => {
    const file = join(dir, `${kind}.json`);
    await writeFile(file, JSON.stringify({ kind, params }));
    return runAgent(['exec', file, '--yes'], env, 200_000);
  };
  const moved = await job('overseerr-to-nomad', {
    dockerHost: target, backupDir: join(dir, 'backups'), nomad: { address: nomad.url },
    volume: { id: 'overseerr-config', pluginId: 'hostpath' },
    litestream: { endpoint: s3.endpoint, bucket: 'backups', path: 'overseerr/db' },
    settingsTarget: { host: target, path: nomad.volumeDir('overseerr-config'), owner: '0:0' },
    healthTimeoutSeconds: 30,
  });
  expect(moved.code).toBe(1);
  expect(moved.stdout).toMatch(/alloc [0-9a-f]{8} overseerr: Terminated — Exit Code: 1/);
  expect(moved.stdout).toMatch(/alloc [0-9a-f]{8} overseerr: Not Restarting — Exceeded allowed attempts 2 in interval 30m0s and mode is "fail"/);
  expect(moved.stdout).toContain('deployment failed: Failed due to unhealthy allocations');
  expect(host.container()?.State.Running).toBe(false);

  const back = await job('overseerr-to-nomad-rollback', { dockerHost: target, nomad: { address: nomad.url } });
  expect(back.code).toBe(0);
  expect(host.container()?.State.Running).toBe(true);
  const status = (await (await fetch(`${host.overseerrUrl}/api/v1/status`)).json()) as { version: string };
  expect(status.version).toBe('1.33.2');
});

it('cancel while waiting for health: the second SIGINT cancels the deploy step (exit 3)', { timeout: 240_000 }, async () => {
  nomad.failTask({ job: 'overseerr', task: 'overseerr', mode: 'hang' });
  const target = { host: '127.0.0.1', port: host.sshd.port, user: host.sshd.user };
  const file = join(dir, 'cancel.json');
  await writeFile(file, JSON.stringify({
    kind: 'overseerr-to-nomad',
    params: {
      dockerHost: target, backupDir: join(dir, 'backups'), nomad: { address: nomad.url },
      volume: { id: 'overseerr-config', pluginId: 'hostpath' },
      litestream: { endpoint: s3.endpoint, bucket: 'backups', path: 'overseerr/db-cancel' },
      settingsTarget: { host: target, path: nomad.volumeDir('overseerr-config'), owner: '0:0' },
      healthTimeoutSeconds: 300,
    },
  }));
  const p = await startAgent(['exec', file, '--yes'], env, 200_000);
  for (let i = 0; i < 1200 && !p.stdout().includes('registered (eval'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(p.stdout()).toContain('registered (eval');
  p.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  p.child.kill('SIGINT');
  const exit = await p.exited;
  expect(exit.code).toBe(3);
  expect(p.stdout()).not.toMatch(/deployment \S+ successful/);
  expect(p.stdout()).not.toContain('--- step 11/13');
});
