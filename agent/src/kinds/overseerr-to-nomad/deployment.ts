/**
 * @module
 * Following the Overseerr job's rollout with Nomad's blocking queries on the job's allocations
 * (they change with every task event, so events reach the job log as they happen): new task
 * events and the restore task's log lines are logged; the deployment is read each round, and a
 * failed or cancelled one fails the step with the events above it. Two ends:
 * - `untilAnswering`: an allocation of this version runs all its main tasks and Overseerr answers
 *   `/api/v1/status` on the address Nomad registered for it — when users can reach it again;
 * - `untilSuccessful`: the deployment is successful (min_healthy_time passed on Nomad's checks).
 */
import { nomadTokenEnv } from '../../../../worker/src/contracts/job-kinds';
import type { NomadClient } from '../../executors/nomad-client';
import { StepFailure } from '../types';
import { nomadClient, overseerrGet } from './remote';
import type { Ctx } from './steps-prepare';

type Json = Record<string, unknown>;

export interface FollowResult {
  allocId: string | null;
  nodeId: string | null;
  deploymentId: string | null;
  url: string | null;
  /** Time (ns) of the newest task event logged, so a later step logs only what came after. */
  eventsUntil: number;
}

/** The job's main tasks (no lifecycle hook) and its prestart tasks that run to completion (the restore). */
export function taskRoles(job: Json): { main: string[]; prestart: string[] } {
  const tasks = ((job.TaskGroups ?? []) as Json[]).flatMap((g) => (g.Tasks ?? []) as Json[]);
  const hook = (t: Json): Json | undefined => (t.Lifecycle ?? undefined) as Json | undefined;
  return {
    main: tasks.filter((t) => !hook(t)?.Hook).map((t) => String(t.Name)),
    prestart: tasks.filter((t) => hook(t)?.Hook === 'prestart' && !hook(t)?.Sidecar).map((t) => String(t.Name)),
  };
}

/** Logs a finished prestart task's stdout/stderr (Nomad's plain-text logs API), e.g. the Litestream restore. */
async function logTaskOutput(ctx: Ctx, nomad: NomadClient, allocId: string, task: string): Promise<void> {
  const token = ctx.config.env[nomadTokenEnv(ctx.params.nomad)];
  for (const type of ['stdout', 'stderr']) {
    const url = nomad.url(`/v1/client/fs/logs/${allocId}`, { task, type, plain: 'true' });
    const text = await fetch(url, { headers: token ? { 'X-Nomad-Token': token } : {}, signal: AbortSignal.timeout(10_000) }).then((r) => (r.ok ? r.text() : ''), () => '');
    for (const l of text.split('\n').filter(Boolean)) ctx.log.line(`${task} ${type}: ${l}`);
  }
}

/** The job's service registration for `allocId`, as `http://address:port`. */
async function serviceUrl(ctx: Ctx, nomad: NomadClient, allocId: string): Promise<string | undefined> {
  const regs = await nomad.get<Json[] | null>(`/v1/service/${encodeURIComponent(ctx.params.jobspec.serviceName)}`);
  const reg = (regs ?? []).find((r) => r.AllocID === allocId);
  return reg ? `http://${String(reg.Address)}:${String(reg.Port)}` : undefined;
}

export interface FollowOptions {
  until: 'answering' | 'successful';
  /** From {@link taskRoles}: which tasks must run, whose output to log. */
  roles: { main: string[]; prestart: string[] };
  /** Only events newer than this (ns) are logged. */
  eventsAfter?: number;
}

export async function followRollout(ctx: Ctx, modifyIndex: number, o: FollowOptions): Promise<FollowResult> {
  const { until, roles } = o;
  const eventsAfter = o.eventsAfter ?? 0;
  const p = ctx.params;
  const id = encodeURIComponent(p.jobName);
  const nomad = nomadClient(ctx, p.nomad, { quiet: true });
  ctx.log.line(`following GET ${nomad.url(`/v1/job/${id}/allocations`)} (blocking queries) and GET ${nomad.url(`/v1/job/${id}/deployment`)}${until === 'answering' ? `, then GET /api/v1/status on the address of service ${p.jobspec.serviceName}` : ''} until ${until === 'answering' ? 'Overseerr answers' : 'the deployment is successful'}`);
  if (ctx.dryRun) return { allocId: null, nodeId: null, deploymentId: null, url: null, eventsUntil: 0 };
  const deadline = Date.now() + (p.healthTimeoutSeconds + 60) * 1000;
  const seen = new Set<string>();
  const outputLogged = new Set<string>();
  let eventsUntil = eventsAfter;
  let index = 1;
  let probing = false;
  for (;;) {
    if (ctx.signal.aborted) throw new StepFailure('cancelled while waiting for the deployment', 'CANCELLED');
    const res: { index: number | undefined; body: Json[] | null } = await nomad.blockingGet<Json[] | null>(`/v1/job/${id}/allocations`, index, probing ? 500 : Math.min(30_000, Math.max(1000, deadline - Date.now())));
    index = res.index ?? index;
    const allocs: Json[] = (res.body ?? []).filter((a) => Number(a.CreateIndex) >= modifyIndex);
    for (const a of allocs) {
      for (const [task, st] of Object.entries((a.TaskStates ?? {}) as Record<string, Json>)) {
        for (const e of (st.Events ?? []) as Json[]) {
          const key = `${String(a.ID)}/${task}/${String(e.Time)}/${String(e.Type)}`;
          if (seen.has(key) || Number(e.Time) <= eventsAfter) continue;
          seen.add(key);
          eventsUntil = Math.max(eventsUntil, Number(e.Time));
          ctx.log.line(`alloc ${String(a.ID).slice(0, 8)} ${task}: ${String(e.Type)}${e.DisplayMessage ? ` — ${String(e.DisplayMessage)}` : ''}`);
        }
        const key = `${String(a.ID)}/${task}`;
        if (roles.prestart.includes(task) && st.State === 'dead' && !outputLogged.has(key) && until === 'answering') {
          outputLogged.add(key);
          await logTaskOutput(ctx, nomad, String(a.ID), task);
        }
      }
    }
    const d = await nomad.get<Json | null>(`/v1/job/${id}/deployment`);
    const ours = d && Number(d.JobSpecModifyIndex ?? d.JobModifyIndex ?? 0) >= modifyIndex ? d : undefined;
    if (ours?.Status === 'failed' || ours?.Status === 'cancelled') throw new StepFailure(`deployment ${String(ours.Status)}: ${String(ours.StatusDescription)} (task events above)`, 'DEPLOYMENT_FAILED');
    const states = (a: Json): Record<string, Json> => (a.TaskStates ?? {}) as Record<string, Json>;
    const live: Json | undefined = allocs.find((a) => a.ClientStatus === 'running' && a.DesiredStatus !== 'stop' && roles.main.every((t) => states(a)[t]?.State === 'running'));
    const result = (url: string | null): FollowResult => ({ allocId: live ? String(live.ID) : null, nodeId: live ? String(live.NodeID) : null, deploymentId: ours ? String(ours.ID) : null, url, eventsUntil });
    if (until === 'successful' && ours) {
      ctx.progress({ done: Number(Object.values((ours.TaskGroups ?? {}) as Record<string, Json>)[0]?.HealthyAllocs ?? 0), total: 1, unit: 'items', message: `deployment ${String(ours.Status)}` });
      if (ours.Status === 'successful') return result(null);
    }
    probing = until === 'answering' && live !== undefined;
    if (probing && live) {
      ctx.progress({ done: 0, total: 1, unit: 'items', message: 'allocation running: waiting for Overseerr to answer' });
      const url = await serviceUrl(ctx, nomad, String(live.ID));
      const status = url ? await overseerrGet(url, '/api/v1/status', undefined, 2000).catch(() => undefined) : undefined;
      if (url && status?.status === 200) {
        ctx.log.line(`alloc ${String(live.ID).slice(0, 8)} on node ${String(live.NodeID).slice(0, 8)}: Overseerr answers on ${url}`);
        return result(url);
      }
    }
    if (Date.now() > deadline) throw new StepFailure(until === 'answering' ? `Overseerr did not answer on Nomad within ${p.healthTimeoutSeconds} s` : `the deployment was not healthy within ${p.healthTimeoutSeconds} s`, 'DEPLOYMENT_TIMEOUT');
  }
}
