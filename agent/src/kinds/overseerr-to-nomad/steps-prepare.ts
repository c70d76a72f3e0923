/**
 * @module
 * `overseerr-to-nomad` steps that only look and copy, while Overseerr still runs: preflight (docker
 * host, container, config dir, Nomad, the replica — refused if it already has generations unless
 * `litestream.overwrite`), inventory (size, settings.json, DB integrity, row counts, version) and
 * the backup archive. Nothing here changes Overseerr or its data.
 */
import type { OverseerrToNomadParams } from '../../../../worker/src/contracts/job-kinds';
import { StepFailure, type StepContext, type StepOutcome } from '../types';
import { buildJob } from './jobspec';
import { dbPath, facts, generationsScript, litestreamYaml, workDir } from './litestream';
import { dbFacts, nomadClient, nomadFailure, overseerrCall, q, remote, remoteOk } from './remote';

export type Ctx = StepContext<OverseerrToNomadParams>;

interface Inspect {
  Mounts?: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
  State?: { Running?: boolean; Status?: string };
  Config?: { Image?: string; Labels?: Record<string, string> };
  HostConfig?: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> };
}

/** An earlier step's outputs (typed by the caller). */
export const out = <T>(ctx: Ctx, step: string): T => (ctx.outputs[step] ?? {}) as T;
export const jobWorkDir = (ctx: Ctx): string => workDir(ctx.params.backupDir, ctx.params.jobName);
/** The docker host's config dir, as preflight found it. */
export const configDirOf = (ctx: Ctx): string => out<{ configDir: string }>(ctx, 'preflight').configDir;

/** The replica's config for one script's stdin (credentials from the agent's env; never logged). */
export function replicaConfig(ctx: Ctx, configDir: string): string {
  const l = ctx.params.litestream;
  const key = ctx.config.env[l.accessKeyIdEnv];
  const secret = ctx.config.env[l.secretAccessKeyEnv];
  if (!ctx.dryRun && (!key || !secret)) throw new StepFailure(`set ${l.accessKeyIdEnv} and ${l.secretAccessKeyEnv} in the agent's environment (the replica credentials for seeding)`, 'MISSING_SECRET');
  return litestreamYaml(ctx.params, configDir, key ?? '', secret ?? '');
}

/** The replica's generation ids (S3 errors, which v0.3 logs with exit 0, fail the step) and a running live seed's pid. */
export async function replicaState(ctx: Ctx, configDir: string): Promise<{ generations: string[]; livePid: string | undefined }> {
  const r = await remote(ctx, ctx.params.dockerHost, generationsScript(jobWorkDir(ctx), dbPath(configDir)), { input: replicaConfig(ctx, configDir) });
  if (ctx.dryRun) return { generations: [], livePid: undefined };
  const f = facts(r.stdout);
  if (r.code !== 0 || f.has('error') || !f.has('generations')) {
    const why = (f.get('error') ?? r.stdout.trim().split('\n').at(-1) ?? '').replace(/^.*error=/, '');
    throw new StepFailure(`the Litestream replica s3://${ctx.params.litestream.bucket}/${ctx.params.litestream.path} is not usable from the docker host: ${why}`, 'REPLICA_UNREACHABLE');
  }
  return { generations: (f.get('generations') ?? '').split(/\s+/).filter(Boolean), livePid: f.get('live') };
}

export function refuseExistingReplica(ctx: Ctx, generations: string[]): void {
  const p = ctx.params;
  if (generations.length && !p.litestream.overwrite) {
    throw new StepFailure(`the replica s3://${p.litestream.bucket}/${p.litestream.path} already has generation(s) ${generations.join(', ')}: refusing to seed over it (set litestream.overwrite to replace it)`, 'REPLICA_EXISTS');
  }
}

async function checkNomad(ctx: Ctx): Promise<void> {
  const p = ctx.params;
  const nomad = nomadClient(ctx, p.nomad);
  try {
    await nomad.get('/v1/agent/self');
    await nomad.get(`/v1/namespace/${encodeURIComponent(p.nomad.namespace ?? 'default')}`);
    const plugin = await nomad.get<{ NodesHealthy?: number } | null>(`/v1/plugin/csi/${encodeURIComponent(p.volume.pluginId)}`);
    if (!ctx.dryRun && !plugin?.NodesHealthy) throw new StepFailure(`CSI plugin ${p.volume.pluginId} has no healthy nodes`, 'CSI_PLUGIN_UNHEALTHY');
    await nomad.get(`/v1/var/${p.litestream.nomadVariable}`);
  } catch (err) {
    throw nomadFailure(err, 'Nomad preflight', p.nomad);
  }
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
    configDir = ctx.dryRun ? `/var/lib/docker/volumes/${p.configVolume}/_data` : (JSON.parse(v) as Array<{ Mountpoint: string }>)[0]?.Mountpoint;
  }
  configDir ??= c.Mounts?.find((m) => m.Destination === '/app/config')?.Source;
  if (!configDir && !ctx.dryRun) throw new StepFailure(`container "${p.container}" has no /app/config mount: give configVolume or configPath`, 'CONFIG_NOT_FOUND');
  // A dry run cannot read `docker inspect`: its commands show this placeholder where the path goes.
  configDir ??= `/CONFIG-DIR-OF-${p.container}`;
  const binding = c.HostConfig?.PortBindings?.['5055/tcp']?.[0];
  const overseerrUrl = p.overseerrUrl ?? (binding?.HostPort ? `http://${p.dockerHost.host}:${binding.HostPort}` : undefined);
  ctx.log.line(ctx.dryRun ? `(dry run: the config dir is not known without docker inspect; ${configDir} stands for it below)` : `docker ${docker}; container ${p.container} ${c.State?.Status ?? '?'} (${c.Config?.Image ?? '?'}); config at ${configDir}`);

  await checkNomad(ctx);
  if (p.jobspec.mode === 'hcl') {
    // A jobspec Nomad cannot parse fails here, before the downtime, not at deploy.
    const job = await buildJob(ctx);
    if (!ctx.dryRun) ctx.log.line(`jobspec parsed by Nomad: job ${String(job?.ID)}`);
  }
  const tools = await remoteOk(ctx, host, 'litestream version && command -v sqlite3 setsid timeout >/dev/null && echo tools-ok', 'litestream, sqlite3, setsid and timeout are needed on the docker host', 'LITESTREAM_MISSING');
  const litestream = tools.trim().split('\n')[0] ?? '';
  if (!ctx.dryRun && !/^v0\.3\./.test(litestream)) throw new StepFailure(`litestream ${litestream} on the docker host: this job drives v0.3.x (see README)`, 'LITESTREAM_UNSUPPORTED');
  const { generations, livePid } = await replicaState(ctx, configDir);
  // Refuse before the downtime starts, not only when seeding.
  refuseExistingReplica(ctx, generations);
  if (livePid) ctx.log.line(`a live seed of an earlier run is still running (pid ${livePid}): seed-replica stops it first`);
  if (!ctx.dryRun) ctx.log.line(`nomad ${p.nomad.address} namespace ${p.nomad.namespace ?? 'default'} ok; litestream ${litestream}; replica has ${generations.length} generation(s)`);
  return { outputs: { dockerVersion: docker, configDir, overseerrUrl: overseerrUrl ?? null, mountType: c.Mounts?.find((m) => m.Destination === '/app/config')?.Type ?? 'path', litestreamVersion: litestream, replicaGenerations: generations } };
}

export async function inventory(ctx: Ctx): Promise<StepOutcome> {
  const { overseerrUrl } = out<{ overseerrUrl: string | null }>(ctx, 'preflight');
  const configDir = configDirOf(ctx);
  const host = ctx.params.dockerHost;
  const bytes = Number((await remoteOk(ctx, host, `du -sb ${q(configDir)} | cut -f1`, 'could not size the config dir')).trim());
  const raw = await remoteOk(ctx, host, `cat ${q(`${configDir}/settings.json`)}`, 'settings.json is missing from the config dir', 'SETTINGS_INVALID');
  if (!ctx.dryRun) {
    let apiKey = '';
    try {
      apiKey = String((JSON.parse(raw) as { main?: { apiKey?: unknown } }).main?.apiKey ?? '');
    } catch {
      throw new StepFailure('settings.json is not valid JSON', 'SETTINGS_INVALID');
    }
    if (!apiKey) throw new StepFailure('settings.json has no main.apiKey (Overseerr not set up?)', 'SETTINGS_INVALID');
    ctx.log.redactor.add(apiKey);
  }
  const files = await remoteOk(ctx, host, `cd ${q(`${configDir}/db`)} && ls -l db.sqlite3*`, 'db/db.sqlite3 is missing', 'DB_MISSING');
  if (files.trim()) ctx.log.line(files.trim());
  const { integrity, counts } = await dbFacts(ctx, host, dbPath(configDir));
  if (integrity !== 'ok') throw new StepFailure(`PRAGMA integrity_check: ${integrity}`, 'DB_CORRUPT');
  let version: string | null = null;
  if (overseerrUrl || ctx.dryRun) {
    const s = await overseerrCall<OverseerrToNomadParams, { version?: string }>(ctx, overseerrUrl ?? `http://${host.host}:PUBLISHED-PORT`, '/api/v1/status').catch(() => undefined);
    version = s?.body?.version ?? null;
  }
  if (!ctx.dryRun) ctx.log.line(`config ${bytes} bytes; integrity ok; ${counts.users} users, ${counts.requests} requests, ${counts.media} media, ${counts.seasons} seasons, ${counts.issues} issues; Overseerr ${version ?? 'version unknown'}`);
  return { outputs: { configBytes: bytes, counts, version } };
}

export async function backup(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const archive = `${p.backupDir}/overseerr-config-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
  const r = await remoteOk(ctx, p.dockerHost, `mkdir -p ${q(p.backupDir)} && tar -C ${q(configDirOf(ctx))} -czf ${q(archive)} . && sha256sum ${q(archive)} && stat -c %s ${q(archive)}`, 'backup failed', 'BACKUP_FAILED', { timeoutMs: 3_600_000 });
  const [sumLine = '', size = '0'] = r.trim().split('\n');
  const sha256 = sumLine.split(/\s+/)[0] ?? '';
  if (!ctx.dryRun) ctx.log.line(`backup ${archive} (${size} bytes, sha256 ${sha256})`);
  return { outputs: { archive, sha256, bytes: Number(size) } };
}
