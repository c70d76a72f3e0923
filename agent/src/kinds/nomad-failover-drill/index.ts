/**
 * @module `nomad-failover-drill` on the agent: drain the node running the job's allocation, follow the
 * allocations with blocking queries until a replacement on another node is healthy, GET the
 * service's status path through Nomad's service registration, then make the node eligible again.
 */
import type { NomadFailoverDrillParams } from '../../../../worker/src/contracts/job-kinds';
import { nomadClient, nomadFailure, overseerrCall } from '../overseerr-to-nomad/remote';
import { StepFailure, type KindImpl, type StepContext } from '../types';

type Ctx = StepContext<NomadFailoverDrillParams>;
type Alloc = { ID: string; NodeID: string; ClientStatus: string; DesiredStatus: string; DeploymentStatus?: { Healthy?: boolean | null } | null };
const drained = (ctx: Ctx) => (ctx.outputs.drain ?? {}) as { nodeId?: string; allocId?: string };
/** What a dry run, which reads nothing, shows where a node id goes. */
const SOME_NODE = 'NODE-RUNNING-THE-ALLOCATION';

async function drain(ctx: Ctx) {
  const p = ctx.params;
  const nomad = nomadClient(ctx, p.nomad);
  try {
    const allocs = (await nomad.get<Alloc[] | null>(`/v1/job/${encodeURIComponent(p.jobName)}/allocations`)) ?? [];
    const nodes = (await nomad.get<Array<{ ID: string; SchedulingEligibility: string; Status: string }> | null>('/v1/nodes')) ?? [];
    if (ctx.dryRun) {
      await nomad.post(`/v1/node/${SOME_NODE}/drain`, { DrainSpec: { Deadline: 3_600_000_000_000, IgnoreSystemJobs: true }, Meta: { message: 'plexops failover drill' } });
      return { outputs: { nodeId: SOME_NODE } };
    }
    const live = allocs.find((a) => a.ClientStatus === 'running' && a.DesiredStatus === 'run');
    if (!live) throw new StepFailure(`job ${p.jobName} has no running allocation to move`, 'NOTHING_RUNNING');
    const eligible = nodes.filter((n) => n.ID !== live.NodeID && n.Status === 'ready' && n.SchedulingEligibility === 'eligible');
    if (eligible.length === 0) throw new StepFailure('no other eligible node to move the allocation to: not draining', 'NO_OTHER_NODE');
    await nomad.post(`/v1/node/${encodeURIComponent(live.NodeID)}/drain`, { DrainSpec: { Deadline: 3_600_000_000_000, IgnoreSystemJobs: true }, Meta: { message: 'plexops failover drill' } });
    ctx.log.line(`draining node ${live.NodeID} (allocation ${live.ID})`);
    return { outputs: { nodeId: live.NodeID, allocId: live.ID } };
  } catch (err) {
    throw nomadFailure(err, 'drain', p.nomad);
  }
}

async function wait(ctx: Ctx) {
  const p = ctx.params;
  const { nodeId, allocId } = drained(ctx);
  const nomad = nomadClient(ctx, p.nomad, { quiet: true });
  ctx.log.line(`following GET ${nomad.url(`/v1/job/${encodeURIComponent(p.jobName)}/allocations`)} (blocking queries) until a healthy allocation runs on another node`);
  if (ctx.dryRun) return { outputs: {} };
  const deadline = Date.now() + p.timeoutSeconds * 1000;
  let index = 1;
  try {
    while (Date.now() < deadline && !ctx.signal.aborted) {
      const r = await nomad.blockingGet<Alloc[]>(`/v1/job/${encodeURIComponent(p.jobName)}/allocations`, index, Math.min(30_000, deadline - Date.now()));
      index = r.index ?? index;
      const next = r.body.find((a) => a.ID !== allocId && a.NodeID !== nodeId && a.ClientStatus === 'running' && a.DeploymentStatus?.Healthy === true);
      if (next) {
        ctx.log.line(`allocation ${next.ID} healthy on node ${next.NodeID}`);
        return { outputs: { allocId: next.ID, nodeId: next.NodeID } };
      }
    }
  } catch (err) {
    throw nomadFailure(err, 'wait for the replacement', p.nomad);
  }
  throw new StepFailure(`no healthy replacement within ${p.timeoutSeconds} s (the node stays drained: undrain it by hand if needed)`, 'DRILL_TIMEOUT');
}

async function check(ctx: Ctx) {
  const p = ctx.params;
  const regs = await nomadClient(ctx, p.nomad).get<Array<{ Address: string; Port: number }> | null>(`/v1/service/${encodeURIComponent(p.serviceName)}`).catch((err: unknown) => { throw nomadFailure(err, 'service lookup', p.nomad); });
  const reg = regs?.[0];
  if (!reg && !ctx.dryRun) throw new StepFailure(`service ${p.serviceName} is not registered`, 'CHECK_FAILED');
  const url = reg ? `http://${reg.Address}:${reg.Port}` : `http://SERVICE-${p.serviceName}-ADDRESS`;
  const s = await overseerrCall<NomadFailoverDrillParams, unknown>(ctx, url, p.statusPath);
  if (ctx.dryRun) return { outputs: {} };
  if (s.status !== 200) throw new StepFailure(`${url}${p.statusPath} answered ${s.status}`, 'CHECK_FAILED');
  ctx.log.line(`${url}${p.statusPath} answers 200 after the move`);
  return { outputs: { url } };
}

async function undrain(ctx: Ctx) {
  const { nodeId } = drained(ctx);
  if (!nodeId) return { outputs: {} };
  try {
    await nomadClient(ctx, ctx.params.nomad).post(`/v1/node/${encodeURIComponent(nodeId)}/drain`, { DrainSpec: null, MarkEligible: true });
  } catch (err) {
    throw nomadFailure(err, 'undrain', ctx.params.nomad);
  }
  if (ctx.dryRun) return { outputs: {} };
  ctx.log.line(`node ${nodeId} eligible again`);
  return { outputs: { nodeId } };
}

export const nomadFailoverDrillImpl: KindImpl<'nomad-failover-drill'> = { steps: { drain, wait, check, undrain } };
