/**
 * @module
 * The runbook's route for `npm run bench:overseerr-migration`, done by a script as a person would
 * do it by hand — the baseline the `overseerr-to-nomad` job is measured against. Same docker host
 * (real sshd, docker stand-in, real Litestream), same S3 and Nomad simulators, same jobspec
 * (the kind's own template, so only the route differs):
 *
 *   tar backup (before the stop, as the runbook orders it) → docker stop → litestream replicate
 *   until a snapshot is listed, then stop it → create the CSI volume → copy settings.json onto it
 *   → register the job → poll the deployment every `pollSeconds` (10 s: a person re-running
 *   `nomad job status`) → open Overseerr's status page on the new address.
 *
 * Downtime is `docker stop` → the status page answers after the poll saw the deployment
 * successful. Everything before the stop is reported apart, as "before the stop".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { OverseerrToNomadParams } from '../src/contracts/job-kinds';
import { renderOverseerrJob } from '../../agent/src/kinds/overseerr-to-nomad/jobspec';
import type { DockerHost } from '../../agent/test/hosts/docker/index';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RunbookInput {
  host: DockerHost;
  nomadUrl: string;
  nomadToken: string;
  /** The kind's params for this route (job, volume, replica path, settings target). */
  params: OverseerrToNomadParams;
  credentials: { accessKeyId: string; secretAccessKey: string };
  pollSeconds: number;
}

export interface RunbookResult {
  beforeStopMs: number;
  downtimeMs: number;
  /** docker stop → the poll saw the deployment successful. */
  deploymentMs: number;
  /** Phase → ms, in order. */
  phases: Array<[string, number]>;
  polls: number;
}

async function ssh(host: DockerHost, script: string, what: string, timeoutMs = 600_000): Promise<string> {
  const r = await host.ssh(`sh -c ${q(script)}`, timeoutMs);
  if (r.code !== 0) throw new Error(`runbook: ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-500)}`);
  return r.stdout;
}

async function nomad<T>(i: RunbookInput, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${i.nomadUrl}${path}`, { method, headers: { 'X-Nomad-Token': i.nomadToken }, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`runbook: ${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export async function runRunbook(i: RunbookInput): Promise<RunbookResult> {
  const p = i.params;
  const { host } = i;
  const spec = p.jobspec.mode === 'template' ? p.jobspec : undefined;
  if (!spec) throw new Error('runbook: the benchmark uses the built-in template');
  const phases: Array<[string, number]> = [];
  let mark = Date.now();
  const phase = (name: string): void => {
    const now = Date.now();
    phases.push([name, now - mark]);
    mark = now;
  };
  const db = `${host.configDir}/db/db.sqlite3`;
  const work = `${p.backupDir}/runbook`;
  const cfg = `${work}/litestream.yml`;

  // Before the stop: the backup and the replica config.
  const t0 = Date.now();
  await ssh(host, `mkdir -p ${q(work)} && tar -C ${q(host.configDir)} -czf ${q(`${work}/overseerr-config.tar.gz`)} . && sha256sum ${q(`${work}/overseerr-config.tar.gz`)}`, 'tar backup');
  const l = p.litestream;
  const yml = ['dbs:', `  - path: ${db}`, '    replicas:', '      - type: s3', `        bucket: ${l.bucket}`, `        path: ${l.path}`, `        endpoint: ${l.endpoint}`, `        region: ${l.region}`, `        force-path-style: ${l.forcePathStyle}`, `        access-key-id: ${i.credentials.accessKeyId}`, `        secret-access-key: ${i.credentials.secretAccessKey}`, ''].join('\n');
  // The host is this machine: written directly, so the secret is on no command line.
  await mkdir(work, { recursive: true });
  await writeFile(cfg, yml, { mode: 0o600 });
  phase('tar backup + litestream.yml');
  const beforeStopMs = Date.now() - t0;

  // Downtime starts.
  const down = Date.now();
  await ssh(host, `docker stop ${q(p.container)}`, 'docker stop');
  phase('docker stop');
  await ssh(host, [
    `litestream replicate -config ${q(cfg)} > ${q(`${work}/replicate.log`)} 2>&1 &`,
    'pid=$!',
    `until litestream snapshots -config ${q(cfg)} ${q(db)} 2>/dev/null | grep -q '^s3 '; do kill -0 $pid || exit 1; sleep 0.2; done`,
    'kill -TERM $pid; wait $pid; true',
  ].join('\n'), 'litestream replicate');
  phase('litestream replicate until a snapshot');
  const v = p.volume;
  await nomad(i, 'PUT', `/v1/volume/csi/${v.id}/create`, { Volumes: [{ ID: v.id, Name: v.id, PluginID: v.pluginId, RequestedCapacityMin: v.capacityMinBytes, RequestedCapabilities: [{ AccessMode: v.accessMode, AttachmentMode: v.attachmentMode }] }] });
  phase('nomad volume create');
  await ssh(host, `cp ${q(`${host.configDir}/settings.json`)} ${q(`${p.settingsTarget.path}/settings.json`)} && chown ${q(p.settingsTarget.owner)} ${q(`${p.settingsTarget.path}/settings.json`)} && chmod 600 ${q(`${p.settingsTarget.path}/settings.json`)}`, 'copy settings.json');
  phase('copy settings.json');
  const reg = await nomad<{ JobModifyIndex: number }>(i, 'POST', '/v1/jobs', { Job: renderOverseerrJob(p, spec) });
  phase('nomad job run');
  let polls = 0;
  for (;;) {
    polls++;
    const d = await nomad<{ Status?: string; JobSpecModifyIndex?: number } | null>(i, 'GET', `/v1/job/${p.jobName}/deployment`);
    if (d && Number(d.JobSpecModifyIndex ?? 0) >= reg.JobModifyIndex && d.Status === 'successful') break;
    if (d?.Status === 'failed') throw new Error('runbook: the deployment failed');
    if (Date.now() - down > 20 * 60_000) throw new Error('runbook: no healthy deployment within 20 minutes');
    await sleep(i.pollSeconds * 1000);
  }
  phase(`nomad job status every ${i.pollSeconds} s until successful`);
  const deploymentMs = Date.now() - down;
  const [svc] = await nomad<Array<{ Address: string; Port: number }>>(i, 'GET', `/v1/service/${spec.serviceName}`);
  const status = await fetch(`http://${svc?.Address}:${svc?.Port}/api/v1/status`, { signal: AbortSignal.timeout(10_000) });
  if (status.status !== 200) throw new Error(`runbook: Overseerr's status page answered ${status.status}`);
  phase('open the status page');
  return { beforeStopMs, downtimeMs: Date.now() - down, deploymentMs, phases, polls };
}
