/**
 * @module
 * `overseerr-to-nomad` steps on the Nomad side:
 * - volume (before the approval): the CSI volume, created or registered; an existing one with the
 *   same id is reused, never recreated.
 * - plan (before the approval): the job rendered (or parsed from the operator's HCL) and logged in
 *   full, then planned with its diff — what the approver sees; a placement failure fails here,
 *   before the downtime. Its JobModifyIndex is kept: deploy registers with EnforceIndex, so what
 *   runs is what was planned (a job changed in between is refused).
 * - settings: settings.json onto the volume after the stop (plex address rewritten if asked,
 *   every other key kept, sha256 verified there).
 * - deploy: register and follow the rollout (deployment.ts) until Overseerr answers on the
 *   address Nomad registered for it.
 */
import { createHash } from 'node:crypto';
import { NomadApiError } from '../../executors/nomad-client';
import { StepFailure, type StepOutcome } from '../types';
import { followRollout, taskRoles } from './deployment';
import { buildJob } from './jobspec';
import { nomadClient, nomadFailure, q, remoteOk } from './remote';
import { type Ctx, configDirOf, out } from './steps-prepare';

type Json = Record<string, unknown>;

export async function volume(ctx: Ctx): Promise<StepOutcome> {
  const { nomad: t, volume: v } = ctx.params;
  const nomad = nomadClient(ctx, t);
  try {
    const existing = await nomad.get<Json | null>(`/v1/volume/csi/${encodeURIComponent(v.id)}`).catch((err: unknown) => {
      if (err instanceof NomadApiError && err.status === 404) return null;
      throw err;
    });
    if (existing) {
      if (existing.PluginID !== v.pluginId) throw new StepFailure(`CSI volume ${v.id} exists with plugin ${String(existing.PluginID)}, not ${v.pluginId}`, 'VOLUME_CONFLICT');
      ctx.log.line(`CSI volume ${v.id} exists (plugin ${String(existing.PluginID)}): reusing it`);
      return { outputs: { volumeId: v.id, created: false } };
    }
    if (v.mode === 'register' && !v.externalId) throw new StepFailure('volume.externalId is required to register an existing volume', 'BAD_PARAMS');
    if (ctx.dryRun) ctx.log.line(`(a real run sends the next request only when GET /v1/volume/csi/${v.id} answers 404)`);
    const body = { Volumes: [{ ID: v.id, Name: v.id, PluginID: v.pluginId, ...(v.externalId ? { ExternalID: v.externalId } : {}), RequestedCapacityMin: v.capacityMinBytes, RequestedCapabilities: [{ AccessMode: v.accessMode, AttachmentMode: v.attachmentMode }] }] };
    await nomad.put(`/v1/volume/csi/${encodeURIComponent(v.id)}${v.mode === 'create' ? '/create' : ''}`, body);
    if (!ctx.dryRun) ctx.log.line(`CSI volume ${v.id} ${v.mode === 'create' ? 'created' : 'registered'}`);
    return { outputs: { volumeId: v.id, created: !ctx.dryRun } };
  } catch (err) {
    throw nomadFailure(err, `CSI volume ${v.id}`, t);
  }
}

type DiffNode = { Type?: string; Name?: string; Updates?: Record<string, number> | null; Tasks?: DiffNode[] | null; TaskGroups?: DiffNode[] | null };

/** One line per task group of a plan's Diff: what Nomad will do. */
function diffLines(diff: DiffNode | null | undefined): string[] {
  if (!diff) return ['plan: no diff'];
  return [
    `plan: job ${String(diff.Type ?? '?')}`,
    ...(diff.TaskGroups ?? []).map((g) => {
      const updates = Object.entries(g.Updates ?? {}).map(([k, n]) => `${k} ${n}`).join(', ');
      const tasks = (g.Tasks ?? []).map((t) => `${String(t.Name)} (${String(t.Type)})`).join(', ');
      return `plan: group ${String(g.Name)} ${String(g.Type)}${updates ? `: ${updates}` : ''}; tasks ${tasks || 'none'}`;
    }),
  ];
}

export async function plan(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const job = await buildJob(ctx);
  ctx.log.line(`rendered job ${p.jobName} (Nomad API JSON, registered after the approval exactly as shown):`);
  ctx.log.line(JSON.stringify(job, undefined, 2));
  const nomad = nomadClient(ctx, p.nomad);
  try {
    const planned = await nomad.post<{ FailedTGAllocs?: Record<string, { ConstraintFiltered?: Record<string, number> }> | null; Diff?: DiffNode; JobModifyIndex?: number } | null>(`/v1/job/${encodeURIComponent(p.jobName)}/plan`, { Job: job, Diff: true });
    if (ctx.dryRun || !planned) return { outputs: { jobModifyIndex: 0 } };
    if (planned.FailedTGAllocs) {
      const reasons = Object.entries(planned.FailedTGAllocs).map(([g, m]) => `${g}: ${Object.keys(m.ConstraintFiltered ?? {}).join(', ') || 'no capacity'}`);
      throw new StepFailure(`the plan cannot place the job: ${reasons.join('; ')}`, 'PLACEMENT_FAILED');
    }
    for (const l of diffLines(planned.Diff)) ctx.log.line(l);
    ctx.log.line(`all task groups placeable; registered after the approval only if the job is still at modify index ${planned.JobModifyIndex ?? 0}`);
    return { outputs: { jobModifyIndex: planned.JobModifyIndex ?? 0 } };
  } catch (err) {
    throw nomadFailure(err, 'plan', p.nomad);
  }
}

export async function settings(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const raw = await remoteOk(ctx, p.dockerHost, `cat ${q(`${configDirOf(ctx)}/settings.json`)}`, 'could not read settings.json', 'SETTINGS_INVALID');
  const data = ctx.dryRun ? {} : (JSON.parse(raw) as Json & { plex?: Json });
  if (p.plex) data.plex = { ...((data.plex ?? {}) as Json), ip: p.plex.ip, port: p.plex.port, useSsl: p.plex.useSsl };
  // Overseerr writes settings.json with one-space indentation; keep its shape.
  const text = p.plex ? JSON.stringify(data, undefined, ' ') : raw;
  const sha256 = createHash('sha256').update(text).digest('hex');
  const dest = `${p.settingsTarget.path}/settings.json`;
  const tmp = `${p.settingsTarget.path}/.settings.json.plexops`;
  const r = await remoteOk(ctx, p.settingsTarget.host, `umask 077 && cat > ${q(tmp)} && chown ${q(p.settingsTarget.owner)} ${q(tmp)} && chmod 600 ${q(tmp)} && mv ${q(tmp)} ${q(dest)} && sha256sum ${q(dest)}`, `could not write ${dest}`, 'SETTINGS_COPY_FAILED', { input: text });
  if (ctx.dryRun) return { outputs: {} };
  const there = r.trim().split(/\s+/)[0];
  if (there !== sha256) throw new StepFailure(`settings.json on the volume has sha256 ${there ?? '?'}, expected ${sha256}`, 'SETTINGS_COPY_FAILED');
  ctx.log.line(`settings.json → ${dest} (sha256 ${sha256}${p.plex ? `, plex → ${p.plex.ip}:${p.plex.port}` : ''})`);
  return { outputs: { sha256, plexRewritten: Boolean(p.plex) } };
}

export async function deploy(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const job = await buildJob(ctx);
  const { jobModifyIndex } = out<{ jobModifyIndex: number }>(ctx, 'plan');
  ctx.log.line(`registering job ${p.jobName} as rendered and planned before the approval`);
  try {
    const reg = await nomadClient(ctx, p.nomad).post<{ EvalID: string; JobModifyIndex: number } | null>('/v1/jobs', { Job: job, EnforceIndex: true, JobModifyIndex: jobModifyIndex ?? 0 });
    if (reg) ctx.log.line(`registered (eval ${reg.EvalID}, job modify index ${reg.JobModifyIndex})`);
    const r = await followRollout(ctx, reg?.JobModifyIndex ?? 0, { until: 'answering', roles: taskRoles(job) });
    return { outputs: { ...r, jobModifyIndex: reg?.JobModifyIndex ?? 0 } };
  } catch (err) {
    if (err instanceof NomadApiError && /Enforcing job modify index/.test(err.message)) {
      throw new StepFailure(`job ${p.jobName} changed in Nomad since the plan that was approved (${err.message}): not registering; run the move again to plan anew`, 'JOB_CHANGED');
    }
    throw nomadFailure(err, 'deploy', p.nomad);
  }
}
