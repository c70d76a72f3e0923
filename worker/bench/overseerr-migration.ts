/**
 * @module
 * `npm run bench:overseerr-migration [-- --db-mb=200 --poll-seconds=10 --health=job|fast --log=FILE]`
 *
 * Downtime of moving Overseerr from docker to Nomad (issue 10): approval → verified healthy, for
 * the `overseerr-to-nomad` job run by the REAL bundled `plexops-agent exec --yes` (the approval is
 * given the moment the `stop` step is reached), side by side in the same run with the runbook's
 * route done by a script (overseerr-runbook.ts: tar backup, stop, replicate, copy, register, poll
 * every 10 s as a person would). Both go through the same parts: the docker host (real sshd,
 * docker stand-in running the Overseerr stand-in), the real Litestream v0.3.13 against the S3
 * simulator, and the Nomad simulator running the tasks as real processes (litestream restore
 * prestart, Overseerr, litestream replicate sidecar). The Overseerr DB is generated at `--db-mb`
 * (random session rows: they barely compress).
 *
 * "Verified": ours when its verify step passes (Overseerr answers on Nomad with the stopped DB's
 * users and requests; the deployment's min_healthy_time and the sidecar check follow in `settle`,
 * also printed); the runbook's when the 10 s poll shows the deployment successful and the status
 * page answers. Everything before the stop is printed apart ("work before the stop").
 *
 * `--health=job` (default) gives the simulated Nomad client the jobspec's own health timings
 * (check interval and min_healthy_time, 10 s each, as a real Nomad would apply them); `fast`
 * scales them to 100 ms to show the rest. Our route runs first, the runbook second (it gets the
 * warm page cache). With `--yes` no rows are written between our seed and the stop, so the
 * catch-up ships almost nothing; a live Overseerr adds the WAL it wrote while the approval waited.
 * `--log=FILE` keeps our run's log with a time on each line. Target: our downtime ≤ 50 % of the
 * runbook's. The last line prints both and the ratio. Stops by itself (every wait is bounded;
 * everything started is stopped).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OverseerrToNomadParams } from '../src/contracts/job-kinds';
import { renderOverseerrJob } from '../../agent/src/kinds/overseerr-to-nomad/jobspec';
import { type DockerHost, startDockerHost, waitForHttp } from '../../agent/test/hosts/docker/index';
import { type NomadSim, startNomadSim } from '../../agent/test/sims/nomad/index';
import { type S3Sim, startS3Sim } from '../../agent/test/sims/s3/index';
import { killAll, startAgent } from '../../agent/test/support/agent-bin';
import { runRunbook, type RunbookResult } from './overseerr-runbook';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const DB_MB = Number(arg('db-mb', '200'));
const POLL_S = Number(arg('poll-seconds', '10'));
const HEALTH = arg('health', 'job');
/** Where to write our run's log, each line prefixed with seconds since the start. */
const LOG = arg('log', '');
const TOKEN = '8f0c2a4e-1b3d-4e5f-9a7b-6c8d0e2f4a1b';
const NS = 1e9;

interface Env {
  s3: S3Sim;
  host: DockerHost;
  nomad: NomadSim;
  dir: string;
  agentEnv: Record<string, string>;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

function params(e: Env, route: string, extra: Record<string, unknown> = {}): OverseerrToNomadParams {
  const target = { host: '127.0.0.1', port: e.host.sshd.port, user: e.host.sshd.user };
  const volume = route === 'ours' ? 'overseerr-config' : `overseerr-config-${route}`;
  return OverseerrToNomadParams.parse({
    dockerHost: target,
    backupDir: join(e.dir, 'backups'),
    nomad: { address: e.nomad.url, namespace: 'default', tokenEnv: 'NOMAD_TOKEN' },
    jobName: route === 'ours' ? 'overseerr' : `overseerr-${route}`,
    jobspec: { mode: 'template', serviceName: route === 'ours' ? 'overseerr' : `overseerr-${route}` },
    volume: { id: volume, pluginId: 'hostpath' },
    litestream: { endpoint: e.s3.endpoint, bucket: 'backups', path: `overseerr/${route}` },
    settingsTarget: { host: target, path: e.nomad.volumeDir(volume), owner: '0:0' },
    healthTimeoutSeconds: 1200,
    ...extra,
  });
}

async function setUp(): Promise<Env> {
  // The jobspec's health timings, as the simulated Nomad client should apply them.
  const group = (renderOverseerrJob(OverseerrToNomadParams.parse({ dockerHost: { host: '127.0.0.1', user: 'x' }, nomad: { address: 'http://127.0.0.1:1' }, volume: { pluginId: 'p' }, litestream: { endpoint: 'http://127.0.0.1:1', bucket: 'backups', path: 'x' }, settingsTarget: { host: { host: '127.0.0.1', user: 'x' }, path: '/x' } }), { mode: 'template', image: 'sctx/overseerr:1.33.2', cpu: 500, memoryMb: 512, tz: 'Etc/UTC', serviceName: 'overseerr', tags: [] }).TaskGroups as Array<{ Update: { MinHealthyTime: number }; Tasks: Array<{ Services?: Array<{ Checks: Array<{ Interval: number }> }> }> }>)[0];
  const minHealthyTimeMs = HEALTH === 'job' ? Number(group?.Update.MinHealthyTime) / 1e6 : 100;
  const checkIntervalMs = HEALTH === 'job' ? Number(group?.Tasks.find((t) => t.Services)?.Services?.[0]?.Checks[0]?.Interval) / 1e6 : 100;
  process.stdout.write(`generating a ${DB_MB} MB Overseerr DB on the docker host … `);
  const t = Date.now();
  const [s3, host, nomad] = await Promise.all([
    startS3Sim({ buckets: ['backups'] }),
    startDockerHost({ fixture: { users: 40, requests: 400, walRequests: 25, issues: 12, padBytes: DB_MB * 1024 * 1024 } }),
    startNomadSim({ aclToken: TOKEN, nodes: 1, csiPlugins: ['hostpath'], runTasks: { restartDelayMs: 1000, checkIntervalMs, minHealthyTimeMs, healthyDeadlineMs: 20 * 60_000, killTimeoutMs: 5000 } }),
  ]);
  console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
  console.log(`Nomad client health: check interval ${checkIntervalMs} ms, min_healthy_time ${minHealthyTimeMs} ms (--health=${HEALTH})`);
  const dir = join(host.stateDir, '..', 'bench');
  await mkdir(join(dir, 'backups'), { recursive: true });
  const cred = s3.credentials[0] as S3Sim['credentials'][number];
  await fetch(`${nomad.url}/v1/var/nomad/jobs/overseerr`, { method: 'PUT', headers: { 'X-Nomad-Token': TOKEN }, body: JSON.stringify({ Items: { access_key_id: cred.accessKeyId, secret_access_key: cred.secretAccessKey } }) });
  await writeFile(join(dir, 'policy.json'), JSON.stringify({
    ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: [host.sshd.user] }],
    nomad: [{ address: nomad.url, namespaces: ['default'], tokenEnv: ['NOMAD_TOKEN'] }],
  }));
  const agentEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig,
    PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '10000', NOMAD_TOKEN: TOKEN, LITESTREAM_ACCESS_KEY_ID: cred.accessKeyId, LITESTREAM_SECRET_ACCESS_KEY: cred.secretAccessKey,
  };
  return { s3, host, nomad, dir, agentEnv, credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey } };
}

interface OursResult {
  beforeStopMs: number;
  downtimeMs: number;
  /** Approval → Nomad's deployment successful (after verify: min_healthy_time on Nomad's checks). */
  deploymentMs: number;
  /** Step → ms, in order. */
  steps: Array<[string, number]>;
}

/** Runs the job with `plexops-agent exec --yes`, timing its steps from its live log. */
async function runOurs(e: Env): Promise<OursResult> {
  const file = join(e.dir, 'overseerr-to-nomad.json');
  await writeFile(file, JSON.stringify({ kind: 'overseerr-to-nomad', params: params(e, 'ours') }));
  const starts: Array<[string, number]> = [];
  let end = 0;
  let successful = 0;
  const t0 = Date.now();
  const p = await startAgent(['exec', file, '--yes'], e.agentEnv, 30 * 60_000);
  let buf = '';
  const timed: string[] = [];
  p.child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      timed.push(`${((Date.now() - t0) / 1000).toFixed(2).padStart(7)} ${l}`);
      const m = /--- step \d+\/\d+ ([a-z-]+):/.exec(l);
      if (m?.[1]) starts.push([m[1], Date.now()]);
      if (/step verify succeeded/.test(l)) end = Date.now();
      if (/deployment \S+ successful \(/.test(l)) successful = Date.now();
    }
  });
  const exit = await p.exited;
  if (LOG) await writeFile(LOG, `${timed.join('\n')}\n`);
  if (exit.code !== 0 || !end) throw new Error(`overseerr-to-nomad failed (exit ${exit.code}):\n${p.stdout().slice(-4000)}\n${p.stderr()}`);
  const approval = starts.find(([s]) => s === 'stop')?.[1] ?? NaN;
  const steps = starts.map(([s, t], i): [string, number] => [s, (starts[i + 1]?.[1] ?? Date.now()) - t]);
  return { beforeStopMs: approval - t0, downtimeMs: end - approval, deploymentMs: successful - approval, steps };
}

/** Between the routes: the job's processes gone, the container running again, no Litestream state left. */
async function reset(e: Env, job: string): Promise<void> {
  await fetch(`${e.nomad.url}/v1/job/${job}?purge=true`, { method: 'DELETE', headers: { 'X-Nomad-Token': TOKEN } });
  const started = await e.host.docker('start', 'overseerr');
  if (started.code !== 0) throw new Error(`docker start: ${started.stderr}`);
  await waitForHttp(`${e.host.overseerrUrl}/api/v1/status`, 30_000);
  await e.host.ssh(`rm -rf '${e.host.configDir}/db/.db.sqlite3-litestream'`);
}

const s = (ms: number): string => (ms / 1000).toFixed(1);

function print(ours: OursResult, base: RunbookResult): void {
  console.log('');
  console.log('overseerr-to-nomad (plexops-agent exec), step durations:');
  for (const [step, ms] of ours.steps) console.log(`  ${step.padEnd(16)}${s(ms).padStart(8)} s${step === 'stop' ? '   ← approval: downtime starts' : ''}`);
  console.log('scripted runbook, phases:');
  for (const [phase, ms] of base.phases) console.log(`  ${phase.padEnd(48)}${s(ms).padStart(8)} s`);
  console.log(`  (${base.polls} deployment polls)`);
  console.log('');
  console.log(['metric'.padEnd(40), 'plexops job'.padStart(12), 'scripted runbook'.padStart(18), 'target'.padStart(10)].join(''));
  const rows = [
    ['work before the stop (s)', s(ours.beforeStopMs), s(base.beforeStopMs), '—'],
    ['downtime: approval → verified (s)', s(ours.downtimeMs), s(base.downtimeMs), '≤ 50 %'],
    ['approval → deployment successful (s)', s(ours.deploymentMs), s(base.deploymentMs), '—'],
  ];
  for (const r of rows) console.log([r[0]!.padEnd(40), r[1]!.padStart(12), r[2]!.padStart(18), r[3]!.padStart(10)].join(''));
  console.log('ours: verify passes as soon as Overseerr answers on Nomad with the stopped DB\'s counts; Nomad\'s min_healthy_time runs after (settle).');
  console.log('runbook: a person knows it is up when `nomad job status` (polled every 10 s) says successful, then opens the page.');
}

async function main(): Promise<void> {
  console.log(`overseerr migration benchmark: ${DB_MB} MB DB, runbook polls every ${POLL_S} s`);
  const e = await setUp();
  try {
    const ours = await runOurs(e);
    await reset(e, 'overseerr');
    const base = await runRunbook({ host: e.host, nomadUrl: e.nomad.url, nomadToken: TOKEN, params: params(e, 'runbook'), credentials: e.credentials, pollSeconds: POLL_S });
    print(ours, base);
    const ratio = ours.downtimeMs / base.downtimeMs;
    console.log('');
    console.log(`downtime: plexops ${s(ours.downtimeMs)} s, scripted runbook ${s(base.downtimeMs)} s, ratio ${(ratio * 100).toFixed(0)} % (target ≤ 50 %): ${ratio <= 0.5 ? 'met' : 'NOT met'}`);
    process.exitCode = ratio <= 0.5 ? 0 : 1;
  } finally {
    killAll();
    await Promise.all([e.nomad.close(), e.host.stop(), e.s3.close()]);
  }
}

await main();
process.exit(process.exitCode ?? 0);
