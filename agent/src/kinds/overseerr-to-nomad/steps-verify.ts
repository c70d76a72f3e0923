/**
 * @module
 * `overseerr-to-nomad` after the deploy:
 * - verify: through Overseerr's API on the address Nomad registered — same version, config volume
 *   mounted, with the API key from settings.json (redacted) the users and requests counts of the
 *   stopped DB, the Plex/Sonarr/Radarr settings as in settings.json. The downtime ends here: from
 *   the approval (the stop) to Overseerr verified on Nomad.
 * - settle: Nomad's own verdict (the deployment successful: min_healthy_time passed on its checks)
 *   and the Litestream sidecar replicating (a new generation beside the seeded one). Overseerr is
 *   already serving; a failure here fails the job and says so.
 * - report.
 */
import { StepFailure, type StepOutcome } from '../types';
import { followRollout } from './deployment';
import { stopLiveSeedScript } from './litestream';
import { type Counts, overseerrCall, q, remote, remoteOk, sleep } from './remote';
import { type Ctx, configDirOf, jobWorkDir, out, replicaState } from './steps-prepare';

type Deployed = { url: string | null; allocId: string | null; eventsUntil: number };

export async function verify(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const { url: deployedUrl } = out<Deployed>(ctx, 'deploy');
  const url = deployedUrl ?? `http://SERVICE-${p.jobspec.serviceName}-ADDRESS`;
  const inv = out<{ version: string | null }>(ctx, 'inventory');
  const { counts } = out<{ counts: Counts }>(ctx, 'stop');
  const fail = (what: string): never => { throw new StepFailure(`verification failed: ${what}`, 'VERIFY_FAILED'); };
  const status = await overseerrCall<typeof p, { version?: string }>(ctx, url, '/api/v1/status');
  const appdata = await overseerrCall<typeof p, { appData?: boolean }>(ctx, url, '/api/v1/status/appdata');
  const raw = await remoteOk(ctx, p.settingsTarget.host, `cat ${q(`${p.settingsTarget.path}/settings.json`)}`, 'could not read settings.json on the volume', 'VERIFY_FAILED');
  const settings: { main: { apiKey: string } } & Record<string, unknown> = ctx.dryRun ? { main: { apiKey: '' } } : (JSON.parse(raw) as { main: { apiKey: string } } & Record<string, unknown>);
  ctx.log.redactor.add(settings.main.apiKey);
  const key = settings.main.apiKey;
  const users = await overseerrCall<typeof p, { pageInfo?: { results?: number } }>(ctx, url, '/api/v1/user?take=1', key);
  const requests = await overseerrCall<typeof p, { pageInfo?: { results?: number } }>(ctx, url, '/api/v1/request?take=1', key);
  const integrations = [];
  for (const k of ['plex', 'sonarr', 'radarr'] as const) integrations.push([k, await overseerrCall<typeof p, unknown>(ctx, url, `/api/v1/settings/${k}`, key)] as const);
  if (ctx.dryRun) return { outputs: {} };
  if (status.status !== 200) fail(`${url}/api/v1/status answered ${status.status}`);
  if (inv.version && status.body?.version !== inv.version) fail(`version ${String(status.body?.version)} ≠ ${inv.version} before the move`);
  if (appdata.body?.appData !== true) fail('/api/v1/status/appdata says the config volume is not mounted');
  if (users.status !== 200) fail(`/api/v1/user with the API key from settings.json answered ${users.status}`);
  if (users.body?.pageInfo?.results !== counts.users) fail(`${String(users.body?.pageInfo?.results)} users through the API, ${counts.users} in the stopped DB`);
  if (requests.body?.pageInfo?.results !== counts.requests) fail(`${String(requests.body?.pageInfo?.results)} requests through the API, ${counts.requests} in the stopped DB`);
  for (const [k, got] of integrations) if (JSON.stringify(got.body) !== JSON.stringify(settings[k])) fail(`/api/v1/settings/${k} differs from settings.json`);
  const verifiedAt = new Date().toISOString();
  const downtime = (Date.parse(verifiedAt) - Date.parse(out<{ stoppedAt: string }>(ctx, 'stop').stoppedAt)) / 1000;
  ctx.log.line(`verified at ${url}: Overseerr ${String(status.body?.version)}, config volume mounted, ${counts.users} users and ${counts.requests} requests, plex/sonarr/radarr settings intact; downtime ${downtime.toFixed(1)} s`);
  return { outputs: { url, version: status.body?.version ?? null, verifiedAt, downtimeSeconds: downtime } };
}

export async function settle(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const deployed = out<Deployed & { jobModifyIndex?: number }>(ctx, 'deploy');
  const started = Date.now();
  const d = await followRollout(ctx, deployed.jobModifyIndex ?? 0, { until: 'successful', roles: { main: [], prestart: [] }, eventsAfter: deployed.eventsUntil ?? 0 });
  if (!ctx.dryRun) ctx.log.line(`deployment ${String(d.deploymentId)} successful (Nomad's checks passed for min_healthy_time), ${((Date.now() - started) / 1000).toFixed(1)} s after verify`);
  // The sidecar replicates the restored DB: a new generation appears beside the seeded one(s).
  const seeded = out<{ generations?: string[] }>(ctx, 'check-replica').generations ?? [];
  let gens: string[] = [];
  const deadline = Date.now() + 120_000;
  ctx.log.line('waiting for the Litestream sidecar to write a new generation to the replica (litestream generations on the docker host, every second)');
  for (;;) {
    gens = (await replicaState(ctx, configDirOf(ctx))).generations;
    if (ctx.dryRun || gens.some((g) => !seeded.includes(g))) break;
    if (Date.now() > deadline || ctx.signal.aborted) throw new StepFailure('Overseerr runs on Nomad, but its Litestream sidecar has not written to the replica within 120 s: check the litestream-replicate task', 'REPLICATION_MISSING');
    await sleep(1000, ctx.signal);
  }
  if (ctx.dryRun) return { outputs: {} };
  ctx.log.line(`the Litestream sidecar replicates: generation(s) ${gens.filter((g) => !seeded.includes(g)).join(', ')} beside the seeded ${seeded.join(', ') || '(none)'}`);
  return { outputs: { deploymentId: d.deploymentId, replicaGenerations: gens } };
}

export async function report(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const v = out<{ url?: string; downtimeSeconds?: number }>(ctx, 'verify');
  const b = out<{ archive?: string; sha256?: string }>(ctx, 'backup');
  // Nothing of the live seed may stay behind (it was stopped at the stop step; this is a guard).
  await remote(ctx, p.dockerHost, `rm -f ${q(`${jobWorkDir(ctx)}/litestream.yml`)}\n${stopLiveSeedScript(jobWorkDir(ctx))}`);
  if (ctx.dryRun) {
    ctx.log.line('(dry run: a real run ends with the report — new address, downtime, backup archive and sha256, how to roll back)');
    return { outputs: {} };
  }
  const lines = [
    `Overseerr now runs as Nomad job ${p.jobName} at ${v.url ?? '?'}; downtime (approval → verified) ${v.downtimeSeconds?.toFixed(1) ?? '?'} s.`,
    `Backup: ${b.archive ?? '?'} (sha256 ${b.sha256 ?? '?'}).`,
    `Roll back: run overseerr-to-nomad-rollback (stops the Nomad job without purging it and starts container ${p.container} again).`,
    `Clean up after 24 h healthy: overseerr-cleanup.`,
  ];
  for (const l of lines) ctx.log.line(l);
  return { outputs: { summary: lines.join(' ') } };
}
