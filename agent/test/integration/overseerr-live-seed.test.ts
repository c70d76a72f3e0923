/**
 * The Litestream scripts of `overseerr-to-nomad` (agent/src/kinds/overseerr-to-nomad/litestream.ts)
 * run as the job runs them — `sh -c` over the real ssh client to the docker host's real sshd, the
 * replica config on stdin — with the REAL Litestream v0.3.13 against the S3 simulator, while the
 * Overseerr stand-in runs and rows are written to its live DB the way Overseerr writes them (a
 * second connection, commits left in the -wal). What must hold:
 * - the live seed's final sync (SIGTERM after docker stop) brings the replica up to the stopped DB,
 *   rows written after the seed included;
 * - with the live seed gone (killed, or its time bound run out) the catch-up run does the same,
 *   also after the app checkpointed the WAL behind Litestream's back;
 * - nothing is left running, and the config with the credentials is never left on the host.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OverseerrToNomadParams } from '../../../worker/src/contracts/job-kinds';
import { dbFactsFrom, dbPath, facts, finalSyncScript, generationsScript, litestreamYaml, liveSeedScript, restoreCheckScript, stopLiveSeedScript, workDir } from '../../src/kinds/overseerr-to-nomad/litestream';
import { q } from '../../src/kinds/overseerr-to-nomad/remote';
import { type DockerHost, startDockerHost, waitForHttp } from '../hosts/docker/index';
import { type S3Sim, startS3Sim } from '../sims/s3/index';
import { sqliteExec } from '../support/sqlite-cli';

let s3: S3Sim;
let host: DockerHost;
let path = '';
let n = 0;

const dir = () => workDir(join(host.stateDir, '..', 'backups'), 'overseerr');
const db = () => dbPath(host.configDir);

function config(): string {
  const cred = s3.credentials[0] as S3Sim['credentials'][number];
  const p = OverseerrToNomadParams.parse({
    dockerHost: { host: '127.0.0.1', user: 'root' }, nomad: { address: 'http://127.0.0.1:1' }, volume: { pluginId: 'hostpath' },
    litestream: { endpoint: s3.endpoint, bucket: 'backups', path }, settingsTarget: { host: { host: '127.0.0.1' }, path: '/x' },
  });
  return litestreamYaml(p, host.configDir, cred.accessKeyId, cred.secretAccessKey);
}

/** Runs a script as the agent does: `ssh … sh -c '<script>'`, config on stdin. */
function run(script: string, input = config()): Promise<{ code: number | null; out: Map<string, string>; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', ['-F', host.sshd.clientConfig, '-T', '-o', 'BatchMode=yes', '-p', String(host.sshd.port), '-l', host.sshd.user, '--', '127.0.0.1', `sh -c ${q(script)}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: facts(stdout), stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Rows the way Overseerr writes them while it runs: a second connection, commits left in the WAL. */
const addUsers = (k: number) =>
  sqliteExec(db(), `INSERT INTO "user" ("email", "avatar") SELECT 'late' || ${++n} || '-' || value || '@home.arpa', '/a.png' FROM generate_series(1, ${k});`, { keepWal: true });

const livePid = async (): Promise<number> => Number((await readFile(join(dir(), 'replicate.pid'), 'utf8')).trim());
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  [s3, host] = await Promise.all([startS3Sim({ buckets: ['backups'] }), startDockerHost({ fixture: { users: 3, requests: 6, walRequests: 2 } })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([host?.stop(), s3?.close()]);
});

beforeEach(async () => {
  path = `overseerr/live-${Date.now()}`;
  if (!host.container()?.State.Running) {
    await host.docker('start', 'overseerr');
    await waitForHttp(`${host.overseerrUrl}/api/v1/status`, 15_000);
  }
});

async function expectReplicaMatchesStoppedDb(stopped: Map<string, string>): Promise<void> {
  const check = await run(restoreCheckScript(dir(), db()));
  expect(check.out.get('failed'), check.stderr).toBeUndefined();
  const restored = dbFactsFrom(check.out);
  expect(restored.integrity).toBe('ok');
  expect(restored.counts).toEqual(dbFactsFrom(stopped).counts);
  expect(existsSync(join(dir(), 'litestream.yml')), 'the config with the credentials is removed').toBe(false);
}

describe('overseerr-to-nomad Litestream scripts on the docker host', () => {
  it('live seed → rows written while Overseerr runs → docker stop → the final sync has them all', { timeout: 120_000 }, async () => {
    const seeded = await run(liveSeedScript(dir(), db(), 3600, 60));
    expect(seeded.out.get('seeded'), seeded.stdout + seeded.stderr).toMatch(/^\d+$/);
    expect(existsSync(join(dir(), 'litestream.yml'))).toBe(false);
    const gens = await run(generationsScript(dir(), db()));
    expect(gens.out.get('generations')?.split(' ')).toHaveLength(1);
    expect(gens.out.get('live')).toBe(seeded.out.get('seeded'));

    await addUsers(5);
    await host.docker('stop', 'overseerr');
    const stopped = await run(finalSyncScript(dir(), db(), 60));
    expect(stopped.out.get('sync'), stopped.stdout + stopped.stderr).toBe('live');
    expect(stopped.out.get('checkpoint')).toMatch(/^0\|/);
    expect(dbFactsFrom(stopped.out)).toMatchObject({ integrity: 'ok', counts: { users: 3 + 5 } });
    expect(alive(Number(seeded.out.get('seeded')))).toBe(false);
    await expectReplicaMatchesStoppedDb(stopped.out);
  });

  it('the live seed gone (killed) → the stop catches up with a new replicate run', { timeout: 120_000 }, async () => {
    const seeded = await run(liveSeedScript(dir(), db(), 3600, 60));
    expect(seeded.out.has('seeded'), seeded.stderr).toBe(true);
    process.kill(await livePid(), 'SIGKILL'); // the host rebooted, someone killed it
    await addUsers(2);
    await host.docker('stop', 'overseerr');
    const stopped = await run(finalSyncScript(dir(), db(), 60));
    expect(stopped.out.get('sync'), stopped.stdout + stopped.stderr).toBe('catch-up');
    await expectReplicaMatchesStoppedDb(stopped.out);
  });

  it('its time bound ran out and the app checkpointed the WAL since → the catch-up run still has every row', { timeout: 120_000 }, async () => {
    const seeded = await run(liveSeedScript(dir(), db(), 5, 60));
    expect(seeded.out.has('seeded'), seeded.stderr).toBe(true);
    for (let i = 0; i < 200 && alive(Number(seeded.out.get('seeded'))); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(Number(seeded.out.get('seeded'))), 'timeout stopped the live seed').toBe(false);
    expect(await readFile(join(dir(), 'replicate.log'), 'utf8')).toContain('plexops: litestream exited 124');
    await addUsers(3);
    await sqliteExec(db(), 'PRAGMA wal_checkpoint(TRUNCATE);');
    await addUsers(1);
    await host.docker('stop', 'overseerr');
    const stopped = await run(finalSyncScript(dir(), db(), 60));
    expect(stopped.out.get('sync'), stopped.stdout + stopped.stderr).toBe('catch-up');
    await expectReplicaMatchesStoppedDb(stopped.out);
  });

  it('a second live seed stops the first; stopLiveSeedScript stops a running one and leaves nothing behind', { timeout: 120_000 }, async () => {
    const first = await run(liveSeedScript(dir(), db(), 3600, 60));
    const second = await run(liveSeedScript(dir(), db(), 3600, 60));
    expect(second.out.get('note')).toBe('stopped the live seed of an earlier run');
    expect(alive(Number(first.out.get('seeded')))).toBe(false);
    const stopped = await run(stopLiveSeedScript(dir()), '');
    expect(stopped.out.get('stopped')).toBe('0');
    expect(alive(Number(second.out.get('seeded')))).toBe(false);
    expect((await run(stopLiveSeedScript(dir()), '')).out.has('stopped')).toBe(false);
  });
});
