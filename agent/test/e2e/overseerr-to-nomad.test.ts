/**
 * `overseerr-to-nomad` through the Worker (workerd + Postgres) and the real agent daemon: the job
 * stops at the `stop` approval with the plan shown and the replica seeded from the live DB; rows
 * Overseerr writes while the approval waits reach Nomad; it ends verified — on the docker host
 * (real sshd + docker stand-in), the real Litestream against the S3 simulator, and the Nomad
 * simulator running the job's tasks as processes.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DockerHost, startDockerHost } from '../hosts/docker/index';
import { type NomadSim, startNomadSim } from '../sims/nomad/index';
import { type S3Sim, startS3Sim } from '../sims/s3/index';
import { sqliteExec } from '../support/sqlite-cli';
import { type E2E, startE2E, stopAgent } from './harness';

let e: E2E;
let s3: S3Sim;
let host: DockerHost;
let nomad: NomadSim;

beforeAll(async () => {
  [e, s3, host, nomad] = await Promise.all([
    startE2E(),
    startS3Sim({ buckets: ['backups'] }),
    startDockerHost({ fixture: { users: 3, requests: 7, walRequests: 2 } }),
    startNomadSim({ nodes: 1, runTasks: { restartDelayMs: 100, checkIntervalMs: 100, minHealthyTimeMs: 100, healthyDeadlineMs: 30_000 } }),
  ]);
  const cred = s3.credentials[0] as S3Sim['credentials'][number];
  await fetch(`${nomad.url}/v1/var/nomad/jobs/overseerr`, { method: 'PUT', body: JSON.stringify({ Items: { access_key_id: cred.accessKeyId, secret_access_key: cred.secretAccessKey } }) });
}, 180_000);

afterAll(async () => {
  await Promise.all([e?.close(), nomad?.close(), host?.stop(), s3?.close()]);
});

it('runs the move through the worker and the daemon: approval, live log, verified', { timeout: 300_000 }, async () => {
  const cred = s3.credentials[0] as S3Sim['credentials'][number];
  const target = { host: '127.0.0.1', port: host.sshd.port, user: host.sshd.user };
  const backups = join(host.stateDir, '..', 'backups');
  await mkdir(backups, { recursive: true });
  const a = await e.enroll(['overseerr'], {
    env: { PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig, LITESTREAM_ACCESS_KEY_ID: cred.accessKeyId, LITESTREAM_SECRET_ACCESS_KEY: cred.secretAccessKey },
    policy: { ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: [host.sshd.user] }], nomad: [{ address: nomad.url, namespaces: ['default'] }] },
  });
  const proc = await a.start();
  try {
    const id = await e.h.createJob('overseerr-to-nomad', {
      dockerHost: target, backupDir: backups, nomad: { address: nomad.url },
      volume: { id: 'overseerr-config', pluginId: 'hostpath' },
      litestream: { endpoint: s3.endpoint, bucket: 'backups', path: 'overseerr/db' },
      settingsTarget: { host: target, path: nomad.volumeDir('overseerr-config'), owner: '0:0' },
      healthTimeoutSeconds: 60,
    }, ['overseerr']);
    await e.waitFor(id, (j) => j.status === 'awaiting_approval', 120_000);
    const waiting = await e.job(id);
    expect(waiting.steps[6]).toMatchObject({ id: 'stop', status: 'awaiting_approval' });
    expect(waiting.steps.slice(0, 6).map((s: { status: string }) => s.status)).toEqual(Array(6).fill('succeeded'));
    expect(host.container()?.State.Running).toBe(true);
    const before = await e.logs(id);
    expect(before, 'the approver sees the rendered job and the plan').toMatch(/rendered job overseerr \(Nomad API JSON[\s\S]*"Name": "litestream-restore"[\s\S]*plan: group overseerr Added: create 1/);
    expect(before).toMatch(/live seed running \(pid \d+/);
    // While the approval waits, Overseerr keeps working: two sign-ups land in the live DB's WAL.
    await sqliteExec(host.fixture.dbPath, `INSERT INTO "user" ("email", "avatar") VALUES ('late1@home.arpa', '/a.png'), ('late2@home.arpa', '/a.png');`, { keepWal: true });
    expect((await e.h.admin(`/jobs/${id}/approve`, { json: { step: 6 } })).status).toBe(200);
    const done = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention', 'cancelled'].includes(j.status), 240_000);
    const logs = await e.logs(id);
    expect(done.status, logs.slice(-3000)).toBe('succeeded');
    expect(logs).toContain("replica caught up by the live seed's final sync");
    expect(logs).toMatch(/verified at http:\/\/127\.0\.0\.1:\d+: Overseerr 1\.33\.2, config volume mounted, 5 users and 7 requests/);
    expect(logs).not.toContain(host.fixture.apiKey);
    expect(logs).not.toContain(cred.secretAccessKey);
    expect(host.container()?.State.Running).toBe(false);
  } finally {
    await stopAgent(proc);
  }
});
