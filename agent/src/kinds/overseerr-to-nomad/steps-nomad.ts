/**
 * @module
 * `overseerr-to-nomad` steps on the Nomad side: the CSI volume (an existing one is reused, never
 * recreated), settings.json onto the volume (plex address rewritten if asked, every other key
 * kept, sha256 verified there), plan → register → follow the deployment with blocking queries
 * (task events and the restore task's log lines streamed into the job log), and verification
 * through Overseerr's API on the new service address.
 */
import { createHash } from 'node:crypto';
import { NomadApiError } from '../../executors/nomad-client';
import { StepFailure, type StepOutcome } from '../types';
import { type Ctx, generations } from './steps-host';
import { buildJob } from './jobspec';
import { type Counts, nomadClient, nomadFailure, overseerrGet, q, remote, remoteOk, sleep } from './remote';

type Json = Record<string, unknown>;
const out = <T>(ctx: Ctx, step: string): T => (ctx.outputs[step] ?? {}) as T;

export async function volume(ctx: Ctx): Promise<StepOutcome> {
  const { nomad: t, volume: v } = ctx.params;
  const nomad = nomadClient(ctx, t);
  if (ctx.dryRun) {
    ctx.log.line(`would ${v.mode} CSI volume ${v.id} (plugin ${v.pluginId}) unless it exists`);
    return { outputs: { volumeId: v.id, created: false } };
  }
  try {
    const existing = await nomad.get<Json>(`/v1/volume/csi/${encodeURIComponent(v.id)}`).catch((err: unknown) => {
      if (err instanceof NomadApiError && err.status === 404) return undefined;
      throw err;
    });
    if (existing) {
      if (existing.PluginID !== v.pluginId) throw new StepFailure(`CSI volume ${v.id} exists with plugin ${String(existing.PluginID)}, not ${v.pluginId}`, 'VOLUME_CONFLICT');
      ctx.log.line(`CSI volume ${v.id} exists (plugin ${String(existing.PluginID)}): reusing it`);
      return { outputs: { volumeId: v.id, created: false } };
    }
    if (v.mode === 'register' && !v.externalId) throw new StepFailure('volume.externalId is required to register an existing volume', 'BAD_PARAMS');
    const body = { Volumes: [{ ID: v.id, Name: v.id, PluginID: v.pluginId, ...(v.externalId ? { ExternalID: v.externalId } : {}), RequestedCapacityMin: v.capacityMinBytes, RequestedCapabilities: [{ AccessMode: v.accessMode, AttachmentMode: v.attachmentMode }] }] };
    await nomad.put(`/v1/volume/csi/${encodeURIComponent(v.id)}${v.mode === 'create' ? '/create' : ''}`, body);
    ctx.log.line(`CSI volume ${v.id} ${v.mode === 'create' ? 'created' : 'registered'}`);
    return { outputs: { volumeId: v.id, created: true } };
  } catch (err) {
    throw nomadFailure(err, `CSI volume ${v.id}`, t);
  }
}

export async function settings(ctx: Ctx): Promise<StepOutcome> {
  const { configDir } = out<{ configDir: string }>(ctx, 'preflight');
  const p = ctx.params;
  const raw = await remoteOk(ctx, p.dockerHost, `cat ${q(`${configDir}/settings.json`)}`, 'could not read settings.json', 'SETTINGS_INVALID');
  if (ctx.dryRun) return { outputs: {} };
  const data = JSON.parse(raw) as Json & { plex?: Json };
  if (p.plex) data.plex = { ...(data.plex ?? {}), ip: p.plex.ip, port: p.plex.port, useSsl: p.plex.useSsl };
  // Overseerr writes settings.json with one-space indentation; keep its shape.
  const text = p.plex ? JSON.stringify(data, undefined, ' ') : raw;
  const sha256 = createHash('sha256').update(text).digest('hex');
  const dest = `${p.settingsTarget.path}/settings.json`;
  const tmp = `${p.settingsTarget.path}/.settings.json.plexops`;
  const r = await remoteOk(ctx, p.settingsTarget.host, `umask 077 && cat > ${q(tmp)} && chown ${q(p.settingsTarget.owner)} ${q(tmp)} && chmod 600 ${q(tmp)} && mv ${q(tmp)} ${q(dest)} && sha256sum ${q(dest)}`, `could not write ${dest}`, 'SETTINGS_COPY_FAILED', { input: text });
  const there = r.trim().split(/\s+/)[0];
  if (there !== sha256) throw new StepFailure(`settings.json on the volume has sha256 ${there ?? '?'}, expected ${sha256}`, 'SETTINGS_COPY_FAILED');
  ctx.log.line(`settings.json → ${dest} (sha256 ${sha256}${p.plex ? `, plex → ${p.plex.ip}:${p.plex.port}` : ''})`);
  return { outputs: { sha256, plexRewritten: Boolean(p.plex) } };
}

export async function deploy(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const nomad = nomadClient(ctx, p.nomad);
  const job = await buildJob(ctx);
  ctx.log.line(`job ${p.jobName}: ${JSON.stringify(job)}`);
  if (ctx.dryRun) return { outputs: {} };
  const id = encodeURIComponent(p.jobName);
  try {
    const plan = await nomad.post<{ FailedTGAllocs?: Record<string, { ConstraintFiltered?: Record<string, number> }> | null; Diff?: { Type?: string } }>(`/v1/job/${id}/plan`, { Job: job, Diff: true });
    if (plan.FailedTGAllocs) {
      const reasons = Object.entries(plan.FailedTGAllocs).map(([g, m]) => `${g}: ${Object.keys(m.ConstraintFiltered ?? {}).join(', ') || 'no capacity'}`);
      throw new StepFailure(`the plan cannot place the job: ${reasons.join('; ')}`, 'PLACEMENT_FAILED');
    }
    ctx.log.line(`plan: ${plan.Diff?.Type ?? 'no'} diff, all task groups placeable`);
    const reg = await nomad.post<{ EvalID: string; JobModifyIndex: number }>('/v1/jobs', { Job: job });
    ctx.log.line(`registered (eval ${reg.EvalID}, job modify index ${reg.JobModifyIndex})`);
    return await follow(ctx, reg.JobModifyIndex);
  } catch (err) {
    throw nomadFailure(err, 'deploy', p.nomad);
  }
}

/** Follows the job's newest deployment with blocking queries, logging task events and the restore log. */
async function follow(ctx: Ctx, modifyIndex: number): Promise<StepOutcome> {
  const p = ctx.params;
  const nomad = nomadClient(ctx, p.nomad);
  const id = encodeURIComponent(p.jobName);
  const deadline = Date.now() + (p.healthTimeoutSeconds + 60) * 1000;
  const seen = new Set<string>();
  const restoreLogged = new Set<string>();
  let index = 1;
  for (;;) {
    if (ctx.signal.aborted) throw new StepFailure('cancelled while waiting for the deployment', 'CANCELLED');
    const dep = await nomad.blockingGet<Json | null>(`/v1/job/${id}/deployment`, index, Math.min(30_000, Math.max(1000, deadline - Date.now())));
    index = dep.index ?? index;
    const allocs = await nomad.get<Json[]>(`/v1/job/${id}/allocations`);
    for (const a of allocs.filter((x) => Number(x.CreateIndex) >= modifyIndex)) {
      for (const [task, st] of Object.entries((a.TaskStates ?? {}) as Record<string, Json>)) {
        for (const e of (st.Events ?? []) as Json[]) {
          const key = `${String(a.ID)}/${task}/${String(e.Time)}/${String(e.Type)}`;
          if (seen.has(key)) continue;
          seen.add(key);
          ctx.log.line(`alloc ${String(a.ID).slice(0, 8)} ${task}: ${String(e.Type)}${e.DisplayMessage ? ` — ${String(e.DisplayMessage)}` : ''}`);
        }
        if (task === 'litestream-restore' && st.State === 'dead' && !restoreLogged.has(String(a.ID))) {
          restoreLogged.add(String(a.ID));
          for (const type of ['stdout', 'stderr']) {
            const text = await fetch(nomad.url(`/v1/client/fs/logs/${String(a.ID)}`, { task, type, plain: 'true' }), { headers: ctx.config.env[p.nomad.tokenEnv ?? 'NOMAD_TOKEN'] ? { 'X-Nomad-Token': ctx.config.env[p.nomad.tokenEnv ?? 'NOMAD_TOKEN'] as string } : {}, signal: AbortSignal.timeout(10_000) }).then((r) => (r.ok ? r.text() : ''), () => '');
            for (const l of text.split('\n').filter(Boolean)) ctx.log.line(`restore ${type}: ${l}`);
          }
        }
      }
    }
    const d = dep.body;
    if (d && Number(d.JobSpecModifyIndex ?? d.JobModifyIndex ?? 0) >= modifyIndex) {
      ctx.progress({ done: Number(Object.values((d.TaskGroups ?? {}) as Record<string, Json>)[0]?.HealthyAllocs ?? 0), total: 1, unit: 'items', message: `deployment ${String(d.Status)}` });
      if (d.Status === 'successful') {
        const live = allocs.find((a) => a.DeploymentID === d.ID && a.ClientStatus === 'running');
        ctx.log.line(`deployment ${String(d.ID)} successful`);
        return { outputs: { deploymentId: d.ID, allocId: live?.ID ?? null, nodeId: live?.NodeID ?? null } };
      }
      if (d.Status === 'failed' || d.Status === 'cancelled') throw new StepFailure(`deployment ${String(d.Status)}: ${String(d.StatusDescription)} (task events above)`, 'DEPLOYMENT_FAILED');
    }
    if (Date.now() > deadline) throw new StepFailure(`the deployment was not healthy within ${p.healthTimeoutSeconds} s`, 'DEPLOYMENT_TIMEOUT');
  }
}

export async function verify(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  if (ctx.dryRun) return { outputs: {} };
  const nomad = nomadClient(ctx, p.nomad);
  const regs = await nomad.get<Json[]>(`/v1/service/${encodeURIComponent(p.jobspec.serviceName)}`).catch((err: unknown) => { throw nomadFailure(err, 'service lookup', p.nomad); });
  const reg = regs[0];
  if (!reg) throw new StepFailure(`service ${p.jobspec.serviceName} is not registered`, 'VERIFY_FAILED');
  const url = `http://${String(reg.Address)}:${String(reg.Port)}`;
  const inv = out<{ counts: Counts; version: string | null }>(ctx, 'inventory');
  const fail = (what: string): never => { throw new StepFailure(`verification failed: ${what}`, 'VERIFY_FAILED'); };
  const status = await overseerrGet<{ version?: string }>(url, '/api/v1/status');
  if (status.status !== 200) fail(`${url}/api/v1/status answered ${status.status}`);
  if (inv.version && status.body.version !== inv.version) fail(`version ${String(status.body.version)} ≠ ${inv.version} before the move`);
  const appdata = await overseerrGet<{ appData?: boolean }>(url, '/api/v1/status/appdata');
  if (appdata.body.appData !== true) fail('/api/v1/status/appdata says the config volume is not mounted');
  const raw = await remoteOk(ctx, p.settingsTarget.host, `cat ${q(`${p.settingsTarget.path}/settings.json`)}`, 'could not read settings.json on the volume', 'VERIFY_FAILED');
  const settings = JSON.parse(raw) as { main: { apiKey: string }; plex: unknown; sonarr: unknown; radarr: unknown };
  ctx.log.redactor.add(settings.main.apiKey);
  const users = await overseerrGet<{ pageInfo?: { results?: number } }>(url, '/api/v1/user?take=1', settings.main.apiKey);
  const requests = await overseerrGet<{ pageInfo?: { results?: number } }>(url, '/api/v1/request?take=1', settings.main.apiKey);
  if (users.status !== 200) fail(`/api/v1/user with the API key from settings.json answered ${users.status}`);
  if (users.body.pageInfo?.results !== inv.counts.users) fail(`${String(users.body.pageInfo?.results)} users through the API, ${inv.counts.users} before`);
  if (requests.body.pageInfo?.results !== inv.counts.requests) fail(`${String(requests.body.pageInfo?.results)} requests through the API, ${inv.counts.requests} before`);
  for (const k of ['plex', 'sonarr', 'radarr'] as const) {
    const got = await overseerrGet<unknown>(url, `/api/v1/settings/${k}`, settings.main.apiKey);
    if (JSON.stringify(got.body) !== JSON.stringify(settings[k])) fail(`/api/v1/settings/${k} differs from settings.json`);
  }
  // The sidecar replicates the restored DB: a new generation appears beside the seeded one.
  const { configDir } = out<{ configDir: string }>(ctx, 'preflight');
  const seeded = out<{ generations: string[] }>(ctx, 'seed-replica').generations ?? [];
  let gens: string[] = [];
  for (let i = 0; i < 30 && !gens.some((g) => !seeded.includes(g)); i++) {
    gens = await generations(ctx, configDir);
    if (!gens.some((g) => !seeded.includes(g))) await sleep(1000, ctx.signal);
  }
  if (!gens.some((g) => !seeded.includes(g))) fail('the Litestream sidecar has not written to the replica');
  const downtime = (Date.now() - Date.parse(out<{ stoppedAt: string }>(ctx, 'stop').stoppedAt)) / 1000;
  ctx.log.line(`verified at ${url}: Overseerr ${String(status.body.version)}, config volume mounted, ${inv.counts.users} users and ${inv.counts.requests} requests, plex/sonarr/radarr settings intact, replication running; downtime ${downtime.toFixed(1)} s`);
  return { outputs: { url, version: status.body.version ?? null, downtimeSeconds: downtime, replicaGenerations: gens } };
}

export async function report(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const v = out<{ url?: string; downtimeSeconds?: number }>(ctx, 'verify');
  const b = out<{ archive?: string; sha256?: string }>(ctx, 'backup');
  await remote(ctx, p.dockerHost, `rm -f ${q(`${p.backupDir}/.plexops-${p.jobName}/litestream.yml`)}`);
  const lines = [
    `Overseerr now runs as Nomad job ${p.jobName} at ${v.url ?? '?'}; downtime ${v.downtimeSeconds?.toFixed(1) ?? '?'} s.`,
    `Backup: ${b.archive ?? '?'} (sha256 ${b.sha256 ?? '?'}).`,
    `Roll back: run overseerr-to-nomad-rollback (stops the Nomad job without purging it and starts container ${p.container} again).`,
    `Clean up after 24 h healthy: overseerr-cleanup.`,
  ];
  for (const l of lines) ctx.log.line(l);
  return { outputs: { summary: lines.join(' ') } };
}
