/**
 * @module
 * `overseerr-to-nomad` steps on the docker host: preflight, inventory, backup, stop (behind the
 * approval) and seeding the Litestream replica. Litestream v0.3 is what the job drives (the npm
 * package's binary, v0.3.13): it has no `replicate -once`, so the seed runs `replicate` until
 * `snapshots` lists one and then stops it; and its list commands log S3 errors yet exit 0, so their
 * output is read for `level=ERROR`.
 */
import type { OverseerrToNomadParams } from '../../../../worker/src/contracts/job-kinds';
import { StepFailure, type StepContext, type StepOutcome } from '../types';
import { buildJob } from './jobspec';
import { type Counts, dbFacts, nomadClient, nomadFailure, overseerrGet, q, remote, remoteOk } from './remote';

export type Ctx = StepContext<OverseerrToNomadParams>;

interface Inspect {
  Mounts?: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
  State?: { Running?: boolean; Status?: string };
  Config?: { Image?: string; Labels?: Record<string, string> };
  HostConfig?: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> };
}

export const workDir = (p: OverseerrToNomadParams): string => `${p.backupDir}/.plexops-${p.jobName}`;
export const litestreamConfigPath = (p: OverseerrToNomadParams): string => `${workDir(p)}/litestream.yml`;
export const dbPath = (configDir: string): string => `${configDir}/db/db.sqlite3`;
const out = <T>(ctx: Ctx, step: string): T => (ctx.outputs[step] ?? {}) as T;

/** Writes the seeding config (credentials from the agent's env, mode 600) to the docker host. */
async function writeLitestreamConfig(ctx: Ctx, configDir: string): Promise<string> {
  const l = ctx.params.litestream;
  const key = ctx.config.env[l.accessKeyIdEnv];
  const secret = ctx.config.env[l.secretAccessKeyEnv];
  if (!ctx.dryRun && (!key || !secret)) throw new StepFailure(`set ${l.accessKeyIdEnv} and ${l.secretAccessKeyEnv} in the agent's environment (the replica credentials for seeding)`, 'MISSING_SECRET');
  const yml = [
    'dbs:',
    `  - path: ${JSON.stringify(dbPath(configDir))}`,
    '    replicas:',
    '      - type: s3',
    `        bucket: ${JSON.stringify(l.bucket)}`,
    `        path: ${JSON.stringify(l.path)}`,
    `        endpoint: ${JSON.stringify(l.endpoint)}`,
    `        region: ${JSON.stringify(l.region)}`,
    `        force-path-style: ${l.forcePathStyle}`,
    `        access-key-id: ${JSON.stringify(key ?? '')}`,
    `        secret-access-key: ${JSON.stringify(secret ?? '')}`,
    '        sync-interval: 1s',
    '',
  ].join('\n');
  const path = litestreamConfigPath(ctx.params);
  await remoteOk(ctx, ctx.params.dockerHost, `umask 077 && mkdir -p ${q(workDir(ctx.params))} && cat > ${q(path)}`, 'could not write the Litestream config on the docker host', 'REMOTE_FAILED', { input: yml });
  return path;
}

/** `litestream generations`: the replica's generation ids; S3 errors (logged, exit 0 in v0.3) fail the step. */
export async function generations(ctx: Ctx, configDir: string): Promise<string[]> {
  const r = await remote(ctx, ctx.params.dockerHost, `litestream generations -config ${q(litestreamConfigPath(ctx.params))} ${q(dbPath(configDir))} 2>&1`);
  const errors = r.stdout.split('\n').filter((l) => l.includes('level=ERROR'));
  if (r.code !== 0 || errors.length) {
    const why = (errors[0] ?? r.stdout.trim().split('\n').at(-1) ?? '').replace(/^.*error=/, '');
    throw new StepFailure(`the Litestream replica s3://${ctx.params.litestream.bucket}/${ctx.params.litestream.path} is not usable from the docker host: ${why}`, 'REPLICA_UNREACHABLE');
  }
  return r.stdout.split('\n').filter((l) => /^s3\s+[0-9a-f]{16}\s/.test(l)).map((l) => l.split(/\s+/)[1] as string);
}

export async function preflight(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const host = p.dockerHost;
  const docker = (await remoteOk(ctx, host, `docker version --format '{{.Server.Version}}'`, 'docker is not usable on the docker host', 'DOCKER_UNAVAILABLE')).trim();
  const inspected = await remote(ctx, host, `docker inspect ${q(p.container)}`);
  if (inspected.code !== 0 && !ctx.dryRun) throw new StepFailure(`container "${p.container}" not found on the docker host`, 'CONTAINER_NOT_FOUND');
  const c = ctx.dryRun ? ({} as Inspect) : ((JSON.parse(inspected.stdout) as Inspect[])[0] ?? {});
  let configDir = p.configPath;
  if (!configDir && p.configVolume) {
    const v = await remoteOk(ctx, host, `docker volume inspect ${q(p.configVolume)}`, `docker volume "${p.configVolume}" not found`, 'CONFIG_NOT_FOUND');
    configDir = ctx.dryRun ? '/dry-run' : (JSON.parse(v) as Array<{ Mountpoint: string }>)[0]?.Mountpoint;
  }
  configDir ??= c.Mounts?.find((m) => m.Destination === '/app/config')?.Source;
  if (!configDir && !ctx.dryRun) throw new StepFailure(`container "${p.container}" has no /app/config mount: give configVolume or configPath`, 'CONFIG_NOT_FOUND');
  configDir ??= '/dry-run';
  const binding = c.HostConfig?.PortBindings?.['5055/tcp']?.[0];
  const overseerrUrl = p.overseerrUrl ?? (binding?.HostPort ? `http://${p.dockerHost.host}:${binding.HostPort}` : undefined);
  ctx.log.line(`docker ${docker}; container ${p.container} ${c.State?.Status ?? '?'} (${c.Config?.Image ?? '?'}); config at ${configDir}`);

  const nomad = nomadClient(ctx, p.nomad);
  const ns = p.nomad.namespace ?? 'default';
  if (!ctx.dryRun) {
    try {
      await nomad.get('/v1/agent/self');
      await nomad.get(`/v1/namespace/${encodeURIComponent(ns)}`);
      const plugin = await nomad.get<{ ControllersHealthy?: number; NodesHealthy?: number }>(`/v1/plugin/csi/${encodeURIComponent(p.volume.pluginId)}`);
      if (!plugin.NodesHealthy) throw new StepFailure(`CSI plugin ${p.volume.pluginId} has no healthy nodes`, 'CSI_PLUGIN_UNHEALTHY');
      await nomad.get(`/v1/var/${p.litestream.nomadVariable}`);
    } catch (err) {
      throw nomadFailure(err, 'Nomad preflight', p.nomad);
    }
  }
  if (p.jobspec.mode === 'hcl' && !ctx.dryRun) {
    // A jobspec Nomad cannot parse fails here, before the downtime, not at deploy.
    const job = await buildJob(ctx);
    ctx.log.line(`jobspec parsed by Nomad: job ${String(job.ID)}`);
  }
  const litestream = (await remoteOk(ctx, host, 'litestream version', 'litestream is not installed on the docker host', 'LITESTREAM_MISSING')).trim();
  if (!ctx.dryRun && !/^v0\.3\./.test(litestream)) throw new StepFailure(`litestream ${litestream} on the docker host: this job drives v0.3.x (see README)`, 'LITESTREAM_UNSUPPORTED');
  await writeLitestreamConfig(ctx, configDir);
  const gens = ctx.dryRun ? [] : await generations(ctx, configDir);
  // Refuse before the downtime starts, not only when seeding.
  if (gens.length && !p.litestream.overwrite) {
    throw new StepFailure(`the replica s3://${p.litestream.bucket}/${p.litestream.path} already has generation(s) ${gens.join(', ')}: refusing to seed over it (set litestream.overwrite to replace it)`, 'REPLICA_EXISTS');
  }
  ctx.log.line(`nomad ${p.nomad.address} namespace ${ns} ok; litestream ${litestream}; replica has ${gens.length} generation(s)`);
  return { outputs: { dockerVersion: docker, configDir, overseerrUrl: overseerrUrl ?? null, mountType: c.Mounts?.find((m) => m.Destination === '/app/config')?.Type ?? 'path', litestreamVersion: litestream, replicaGenerations: gens } };
}

export async function inventory(ctx: Ctx): Promise<StepOutcome> {
  const { configDir, overseerrUrl } = out<{ configDir: string; overseerrUrl: string | null }>(ctx, 'preflight');
  const host = ctx.params.dockerHost;
  const bytes = Number((await remoteOk(ctx, host, `du -sb ${q(configDir)} | cut -f1`, 'could not size the config dir')).trim());
  const raw = await remoteOk(ctx, host, `cat ${q(`${configDir}/settings.json`)}`, 'settings.json is missing from the config dir', 'SETTINGS_INVALID');
  let apiKey = '';
  if (!ctx.dryRun) {
    try {
      apiKey = String((JSON.parse(raw) as { main?: { apiKey?: unknown } }).main?.apiKey ?? '');
    } catch {
      throw new StepFailure('settings.json is not valid JSON', 'SETTINGS_INVALID');
    }
    if (!apiKey) throw new StepFailure('settings.json has no main.apiKey (Overseerr not set up?)', 'SETTINGS_INVALID');
    ctx.log.redactor.add(apiKey);
  }
  const files = await remoteOk(ctx, host, `cd ${q(`${configDir}/db`)} && ls -l db.sqlite3*`, 'db/db.sqlite3 is missing', 'DB_MISSING');
  ctx.log.line(files.trim());
  const { integrity, counts } = await dbFacts(ctx, host, `${configDir}/db/db.sqlite3`);
  if (integrity !== 'ok') throw new StepFailure(`PRAGMA integrity_check: ${integrity}`, 'DB_CORRUPT');
  let version: string | null = null;
  if (overseerrUrl && !ctx.dryRun) {
    const s = await overseerrGet<{ version?: string }>(overseerrUrl, '/api/v1/status').catch(() => undefined);
    version = s?.body.version ?? null;
  }
  ctx.log.line(`config ${bytes} bytes; integrity ok; ${counts.users} users, ${counts.requests} requests, ${counts.media} media, ${counts.seasons} seasons, ${counts.issues} issues; Overseerr ${version ?? 'version unknown'}`);
  return { outputs: { configBytes: bytes, counts, version } };
}

export async function backup(ctx: Ctx): Promise<StepOutcome> {
  const { configDir } = out<{ configDir: string }>(ctx, 'preflight');
  const archive = `${ctx.params.backupDir}/overseerr-config-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
  const r = await remoteOk(ctx, ctx.params.dockerHost, `mkdir -p ${q(ctx.params.backupDir)} && tar -C ${q(configDir)} -czf ${q(archive)} . && sha256sum ${q(archive)} && stat -c %s ${q(archive)}`, 'backup failed', 'BACKUP_FAILED', { timeoutMs: 3_600_000 });
  const [sumLine = '', size = '0'] = r.trim().split('\n');
  const sha256 = sumLine.split(/\s+/)[0] ?? '';
  ctx.log.line(`backup ${archive} (${size} bytes, sha256 ${sha256})`);
  return { outputs: { archive, sha256, bytes: Number(size) } };
}

export async function stop(ctx: Ctx): Promise<StepOutcome> {
  const { configDir } = out<{ configDir: string }>(ctx, 'preflight');
  const host = ctx.params.dockerHost;
  const stoppedAt = new Date().toISOString();
  await remoteOk(ctx, host, `docker stop ${q(ctx.params.container)}`, `docker stop ${ctx.params.container} failed`, 'DOCKER_STOP_FAILED');
  const db = dbPath(configDir);
  const ck = (await remoteOk(ctx, host, `sqlite3 ${q(db)} 'PRAGMA wal_checkpoint(TRUNCATE)'`, 'WAL checkpoint failed', 'DB_CHECK_FAILED')).trim();
  if (!ctx.dryRun && !ck.startsWith('0|')) throw new StepFailure(`WAL checkpoint was blocked (${ck}): is something still using the DB?`, 'DB_BUSY');
  const { integrity, counts } = await dbFacts(ctx, host, db);
  if (integrity !== 'ok') throw new StepFailure(`PRAGMA integrity_check after stop: ${integrity}`, 'DB_CORRUPT');
  const before = out<{ counts?: Counts }>(ctx, 'inventory').counts;
  if (before && !ctx.dryRun && (counts.users < before.users || counts.requests < before.requests)) throw new StepFailure('rows went missing between inventory and stop', 'DB_CHANGED');
  ctx.log.line(`stopped at ${stoppedAt}; WAL checkpointed (${ck}); integrity ok`);
  return { outputs: { stoppedAt, counts } };
}

export async function seedReplica(ctx: Ctx): Promise<StepOutcome> {
  const { configDir } = out<{ configDir: string }>(ctx, 'preflight');
  const { counts } = out<{ counts: Counts }>(ctx, 'stop');
  const p = ctx.params;
  const host = p.dockerHost;
  await writeLitestreamConfig(ctx, configDir);
  const existing = ctx.dryRun ? [] : await generations(ctx, configDir);
  if (existing.length && !p.litestream.overwrite) {
    throw new StepFailure(`the replica s3://${p.litestream.bucket}/${p.litestream.path} already has generation(s) ${existing.join(', ')}: refusing to seed over it (set litestream.overwrite to replace it)`, 'REPLICA_EXISTS');
  }
  const cfg = q(litestreamConfigPath(p));
  const db = q(dbPath(configDir));
  const log = q(`${workDir(p)}/replicate.log`);
  // v0.3 has no `replicate -once`: run it until a snapshot is listed, then stop it (bounded: 2 min).
  const script = [
    `litestream replicate -config ${cfg} > ${log} 2>&1 &`,
    'pid=$!; i=0',
    'while [ $i -lt 600 ]; do',
    `  if litestream snapshots -config ${cfg} ${db} 2>/dev/null | grep -q '^s3 '; then kill -TERM $pid; wait $pid; echo SNAPSHOT_OK; exit 0; fi`,
    `  if ! kill -0 $pid 2>/dev/null; then cat ${log}; exit 1; fi`,
    '  sleep 0.2; i=$((i+1))',
    'done',
    `kill -KILL $pid; cat ${log}; exit 1`,
  ].join('\n');
  const seeded = await remote(ctx, host, script, { timeoutMs: 180_000 });
  if (!ctx.dryRun && (seeded.code !== 0 || !seeded.stdout.includes('SNAPSHOT_OK'))) throw new StepFailure(`litestream replicate wrote no snapshot: ${seeded.stdout.trim().split('\n').slice(-3).join(' | ')}`, 'SEED_FAILED');
  const gens = ctx.dryRun ? [] : await generations(ctx, configDir);
  const scratch = `${workDir(p)}/restore-test.sqlite3`;
  await remoteOk(ctx, host, `rm -f ${q(scratch)} ${q(`${scratch}-wal`)} ${q(`${scratch}-shm`)} && litestream restore -config ${cfg} -o ${q(scratch)} ${db}`, 'test restore from the replica failed', 'RESTORE_FAILED', { timeoutMs: 3_600_000 });
  const restored = await dbFacts(ctx, host, scratch);
  await remote(ctx, host, `rm -f ${q(scratch)}`);
  if (!ctx.dryRun && (restored.integrity !== 'ok' || JSON.stringify(restored.counts) !== JSON.stringify(counts))) {
    throw new StepFailure(`the test restore differs from the stopped DB: ${JSON.stringify(restored.counts)} vs ${JSON.stringify(counts)}`, 'RESTORE_MISMATCH');
  }
  ctx.log.line(`replica seeded: generation ${gens.at(-1) ?? '?'}; test restore has the same row counts, integrity ok`);
  return { outputs: { generation: gens.at(-1) ?? null, generations: gens, restoredCounts: restored.counts } };
}
