/**
 * @module `overseerr-to-nomad-rollback` on the agent: stop the Nomad job without purging it (its spec and
 * history stay for a retry), wait for its allocations to stop (the CSI claim and the replicator go
 * with them), stop a Litestream live seed the move left on the docker host, start the docker
 * container again and check /api/v1/status there.
 */
import type { OverseerrRollbackParams } from '../../../../worker/src/contracts/job-kinds';
import { facts, stopLiveSeedScript, workDir } from '../overseerr-to-nomad/litestream';
import { nomadClient, nomadFailure, overseerrGet, q, remote, remoteOk, sleep } from '../overseerr-to-nomad/remote';
import { StepFailure, type KindImpl, type StepContext } from '../types';

type Ctx = StepContext<OverseerrRollbackParams>;

async function stopNomad(ctx: Ctx) {
  const p = ctx.params;
  const nomad = nomadClient(ctx, p.nomad);
  const id = encodeURIComponent(p.jobName);
  try {
    const r = await nomad.delete<{ EvalID?: string } | null>(`/v1/job/${id}`);
    if (ctx.dryRun || !r) return { outputs: {} };
    ctx.log.line(`job ${p.jobName} stopped (eval ${r.EvalID ?? '?'}; not purged)`);
    let index = 1;
    for (let i = 0; i < 60; i++) {
      const res = await nomad.blockingGet<Array<{ ClientStatus: string }>>(`/v1/job/${id}/allocations`, index, 5000);
      index = res.index ?? index;
      if (!res.body.some((a) => a.ClientStatus === 'running' || a.ClientStatus === 'pending')) return { outputs: { stopped: true } };
    }
    throw new StepFailure(`allocations of ${p.jobName} are still running`, 'NOMAD_STOP_TIMEOUT');
  } catch (err) {
    throw nomadFailure(err, `stop job ${p.jobName}`, p.nomad);
  }
}

async function startDocker(ctx: Ctx) {
  const p = ctx.params;
  // A move cancelled at its approval leaves its live seed replicating: never two writers later.
  const stopped = facts((await remote(ctx, p.dockerHost, stopLiveSeedScript(workDir(p.backupDir, p.jobName)))).stdout).get('stopped');
  if (stopped !== undefined) ctx.log.line(`stopped the move's Litestream live seed (exit ${stopped})`);
  await remoteOk(ctx, p.dockerHost, `docker start ${q(p.container)}`, `docker start ${p.container} failed`, 'DOCKER_START_FAILED');
  const raw = await remoteOk(ctx, p.dockerHost, `docker inspect ${q(p.container)}`, 'docker inspect failed');
  const port = ctx.dryRun ? undefined : (JSON.parse(raw) as Array<{ HostConfig?: { PortBindings?: Record<string, Array<{ HostPort?: string }> | null> } }>)[0]?.HostConfig?.PortBindings?.['5055/tcp']?.[0]?.HostPort;
  // A dry run reads no port binding: the placeholder stands where it goes.
  return { outputs: { url: p.overseerrUrl ?? (port ? `http://${p.dockerHost.host}:${port}` : ctx.dryRun ? `http://${p.dockerHost.host}:PUBLISHED-PORT` : null) } };
}

async function check(ctx: Ctx) {
  const url = (ctx.outputs['start-docker'] as { url?: string | null } | undefined)?.url;
  if (!url) throw new StepFailure('no Overseerr URL: give overseerrUrl (the container publishes no port 5055)', 'BAD_PARAMS');
  ctx.log.line(`GET ${url}/api/v1/status (every second until it answers, ≤ 60 s)`);
  if (ctx.dryRun) return { outputs: {} };
  for (let i = 0; i < 60 && !ctx.signal.aborted; i++) {
    const s = await overseerrGet<{ version?: string }>(url, '/api/v1/status', undefined, 2000).catch(() => undefined);
    if (s?.status === 200) {
      ctx.log.line(`Overseerr ${String(s.body.version)} answers on ${url} (docker) again`);
      return { outputs: { url, version: s.body.version ?? null } };
    }
    await sleep(1000, ctx.signal);
  }
  throw new StepFailure(`${url}/api/v1/status did not answer within 60 s`, 'CHECK_FAILED');
}

export const overseerrRollbackImpl: KindImpl<'overseerr-to-nomad-rollback'> = {
  steps: { 'stop-nomad': stopNomad, 'start-docker': startDocker, check },
};
