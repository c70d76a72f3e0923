/**
 * @module nomad-sim/scheduler
 * A one-node "cluster": evaluations, placement with the CSI feasibility checks
 * of scheduler/feasible CSIVolumeChecker (missing volume; single-writer volume
 * already write-claimed by another job → "has exhausted its available writer
 * claims", nomad#10927), allocation lifecycle (pending → running → healthy) and
 * deployments (running → successful). Claims are taken when an allocation is
 * placed (Nomad's client claims during alloc prerun, before the task runs) and
 * released `allocStartDelayMs` after the allocation stops, mimicking the
 * volumewatcher's asynchronous release. Placement picks the least-loaded eligible node; with an
 * AllocRunner set (process-runner.ts) allocations run as real processes instead of the timed model,
 * and `migrateAlloc` replaces an allocation on another node (node drain).
 */
import { groups, isTerminal, jobStatus, tasks } from './job-model';
import { eligibleNodes, NODE_ID } from './nodes';
import type { SimConfig } from './server';
import { type Json, nowNs, type SimState, uuid, type Volume } from './state';

export { NODE_ID };
const SINGLE_WRITER = new Set(['single-node-writer', 'single-node-single-writer', 'single-node-multi-writer', 'multi-node-single-writer']);

interface VolReq { alias: string; source: string; readOnly: boolean; accessMode: string; attachmentMode: string }

function volumeRequests(group: Json, index: number): VolReq[] {
  const vols = (group.Volumes ?? {}) as Record<string, Json>;
  return Object.entries(vols)
    .filter(([, v]) => v.Type === 'csi')
    .map(([alias, v]) => ({
      alias,
      source: v.PerAlloc ? `${String(v.Source)}[${index}]` : String(v.Source ?? ''),
      readOnly: v.ReadOnly === true,
      accessMode: String(v.AccessMode ?? ''),
      attachmentMode: String(v.AttachmentMode ?? ''),
    }));
}

/** Returns the CSIVolumeChecker failure reason for placing alloc `index` of `group`, if any. */
export function infeasible(state: SimState, job: Json, group: Json, index: number): string | undefined {
  const ns = String(job.Namespace);
  if (eligibleNodes(state).length === 0) return 'no eligible client nodes (all ineligible or draining)';
  const reqs = volumeRequests(group, index);
  const missing = reqs.filter((r) => !state.getVolume(ns, r.source)).map((r) => r.source);
  if (missing.length) return `missing CSI volume(s) ${missing.join(', ')}`;
  for (const r of reqs) {
    const vol = state.getVolume(ns, r.source) as Volume;
    if (!vol.Schedulable) return `CSI volume ${vol.ID} is unschedulable or ${r.readOnly ? 'has exhausted its available reader claims' : 'is read-only'}`;
    if (r.readOnly) continue;
    const caps = (vol.RequestedCapabilities as Json[] | null) ?? [];
    const mode = String(vol.AccessMode || r.accessMode || caps[0]?.AccessMode || '');
    if (mode.includes('reader-only')) return `CSI volume ${vol.ID} is unschedulable or is read-only`;
    if (!SINGLE_WRITER.has(mode)) continue;
    for (const allocId of Object.keys((vol.WriteAllocs ?? {}) as Json)) {
      const a = state.allocs.get(allocId);
      if (!a) return `CSI volume ${vol.ID} has exhausted its available writer claims and is claimed by a garbage collected allocation ${allocId}; waiting for claim to be released`;
      if (a.Namespace !== ns || a.JobID !== job.ID) return `CSI volume ${vol.ID} has exhausted its available writer claims`;
    }
  }
  return undefined;
}

export function allocMetric(reason: string, coalesced: number, datacenter: string): Json {
  return {
    NodesEvaluated: 1, NodesFiltered: 1, NodesInPool: 1, NodePool: 'default', NodesAvailable: { [datacenter]: 1 }, ClassFiltered: null,
    ConstraintFiltered: { [reason]: 1 }, NodesExhausted: 0, ClassExhausted: null, DimensionExhausted: null, QuotaExhausted: null,
    ResourcesExhausted: null, Scores: null, ScoreMetaData: null, AllocationTime: 25_000, CoalescedFailures: coalesced,
  };
}

/** FailedTGAllocs for placing every group of `job` from scratch. */
export function placementFailures(state: SimState, job: Json, datacenter: string): { failed: Record<string, Json>; queued: Record<string, number> } {
  const failed: Record<string, Json> = {};
  const queued: Record<string, number> = {};
  for (const g of groups(job)) {
    const count = Number(g.Count ?? 1);
    const reasons: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = infeasible(state, job, g, i);
      if (r) reasons.push(r);
    }
    const [first] = reasons;
    if (first) failed[String(g.Name)] = allocMetric(first, reasons.length - 1, datacenter);
    queued[String(g.Name)] = reasons.length;
  }
  return { failed, queued };
}

function newEval(job: Json, triggeredBy: string, idx: number, extra: Json = {}): Json {
  const now = nowNs();
  return {
    ID: uuid(), Namespace: job.Namespace, Priority: job.Priority, Type: job.Type, TriggeredBy: triggeredBy, JobID: job.ID, JobModifyIndex: job.JobModifyIndex,
    NodeID: '', NodeModifyIndex: 0, DeploymentID: '', Status: 'complete', StatusDescription: '', Wait: 0, WaitUntil: '0001-01-01T00:00:00Z',
    NextEval: '', PreviousEval: '', BlockedEval: '', RelatedEvals: null, FailedTGAllocs: null, ClassEligibility: null, QuotaLimitReached: '',
    EscapedComputedClass: false, AnnotatePlan: false, QueuedAllocations: null, SnapshotIndex: idx, CreateIndex: idx, ModifyIndex: idx,
    CreateTime: now, ModifyTime: now, ...extra,
  };
}

function releaseClaims(state: SimState, allocId: string): void {
  for (const vol of state.volumes.values()) {
    const w = vol.WriteAllocs as Json;
    const r = vol.ReadAllocs as Json;
    if (allocId in w || allocId in r) {
      delete w[allocId];
      delete r[allocId];
      if (Object.keys(w).length + Object.keys(r).length === 0) Object.assign(vol, { AccessMode: '', AttachmentMode: '' });
      vol.ModifyIndex = state.bump('csi_volumes');
    }
  }
}

/** Marks live allocs of a job (optionally only older versions) stopped; claims release later. */
export function stopAllocs(state: SimState, config: SimConfig, ns: string, jobId: string, keepVersion?: number): void {
  const stopped = state.jobAllocs(ns, jobId).filter((a) => !isTerminal(a) && a.JobVersion !== keepVersion);
  if (!stopped.length) return;
  const idx = state.bump('allocs', 'job_summary');
  for (const a of stopped) {
    Object.assign(a, { DesiredStatus: 'stop', DesiredDescription: 'alloc not needed due to job update', ClientStatus: 'complete', ModifyIndex: idx, ModifyTime: nowNs() });
    state.runner?.stop(a);
    state.later(config.allocStartDelayMs, () => releaseClaims(state, String(a.ID)));
  }
}

export function refreshJob(state: SimState, ns: string, jobId: string): void {
  const stored = state.getJob(ns, jobId);
  if (!stored) return;
  const allocs = state.jobAllocs(ns, jobId);
  const queued = Object.values(stored.queued).some((n) => n > 0);
  const status = jobStatus(stored.job, allocs, queued);
  if (status !== stored.job.Status) {
    stored.job.Status = status;
    stored.job.ModifyIndex = state.bump('jobs', 'job_summary');
  }
}

/** Runs the "scheduler" for a freshly registered job version. Returns the eval. */
export function schedule(state: SimState, config: SimConfig, job: Json, newVersion: boolean): Json {
  const ns = String(job.Namespace);
  const evalIdx = state.bump('evals');
  const { failed, queued } = placementFailures(state, job, config.datacenter);
  const stored = state.getJob(ns, String(job.ID));
  if (stored) stored.queued = queued;
  const blocked = Object.keys(failed).length ? newEval(job, 'queued-allocs', evalIdx, { Status: 'blocked', StatusDescription: 'created to place remaining allocations' }) : undefined;
  const ev = newEval(job, 'job-register', evalIdx, {
    FailedTGAllocs: blocked ? failed : null,
    BlockedEval: blocked?.ID ?? '',
    QueuedAllocations: queued,
  });
  state.evals.set(String(ev.ID), ev);
  if (blocked) state.evals.set(String(blocked.ID), blocked);
  if (!newVersion) return ev;

  stopAllocs(state, config, ns, String(job.ID), Number(job.Version));
  let deployment: Json | undefined;
  if (job.Type === 'service') {
    for (const d of state.deployments.values())
      if (d.Namespace === ns && d.JobID === job.ID && d.Status === 'running') Object.assign(d, { Status: 'cancelled', StatusDescription: 'Cancelled due to newer version of job' });
    const idx = state.bump('deployment');
    const now = nowNs();
    deployment = {
      ID: uuid(), Namespace: ns, JobID: job.ID, JobVersion: job.Version, JobModifyIndex: job.ModifyIndex, JobSpecModifyIndex: job.JobModifyIndex,
      JobCreateIndex: job.CreateIndex, IsMultiregion: false, TaskGroups: {}, Status: 'running', StatusDescription: 'Deployment is running',
      EvalPriority: job.Priority, CreateIndex: idx, ModifyIndex: idx, CreateTime: now, ModifyTime: now,
    };
    for (const g of groups(job))
      (deployment.TaskGroups as Json)[String(g.Name)] = {
        AutoRevert: false, AutoPromote: false, ProgressDeadline: 600_000_000_000, RequireProgressBy: new Date(Date.now() + 600_000).toISOString(),
        Promoted: false, PlacedCanaries: null, DesiredCanaries: 0, DesiredTotal: Number(g.Count ?? 1), PlacedAllocs: 0, HealthyAllocs: 0, UnhealthyAllocs: 0,
      };
    state.deployments.set(String(deployment.ID), deployment);
    ev.DeploymentID = deployment.ID;
  }
  for (const g of groups(job)) {
    const count = Number(g.Count ?? 1);
    for (let i = 0; i < count; i++) {
      if (infeasible(state, job, g, i)) continue;
      placeAlloc(state, config, job, g, i, String(ev.ID), deployment);
    }
  }
  refreshJob(state, ns, String(job.ID));
  return ev;
}

/** Places allocation `index` of `group` on the least-loaded eligible node and starts it. */
export function placeAlloc(state: SimState, config: SimConfig, job: Json, g: Json, i: number, evalId: string, deployment: Json | undefined, previous?: Json): Json {
  const ns = String(job.Namespace);
  const node = eligibleNodes(state)[0];
  const allocIdx = state.bump('allocs', 'job_summary', 'csi_volumes');
  const now = nowNs();
  const alloc: Json = {
    ID: uuid(), EvalID: evalId, Name: `${String(job.ID)}.${String(g.Name)}[${i}]`, Namespace: ns, NodeID: node?.ID ?? NODE_ID, NodeName: node?.Name ?? 'nomad-sim',
    JobID: job.ID, JobType: job.Type, JobVersion: job.Version, TaskGroup: g.Name, DesiredStatus: 'run', DesiredDescription: '',
    ClientStatus: 'pending', ClientDescription: 'No tasks have started', DesiredTransition: { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
    TaskStates: null, DeploymentStatus: deployment || previous ? { Healthy: null, Timestamp: '0001-01-01T00:00:00Z', Canary: false, ModifyIndex: 0 } : null,
    DeploymentID: deployment?.ID ?? '', FollowupEvalID: '', NextAllocation: '', PreviousAllocation: previous?.ID ?? '', RescheduleTracker: null, PreemptedAllocations: null,
    PreemptedByAllocation: '', CreateIndex: allocIdx, ModifyIndex: allocIdx, CreateTime: now, ModifyTime: now,
  };
  state.allocs.set(String(alloc.ID), alloc);
  for (const r of volumeRequests(g, i)) {
    const vol = state.getVolume(ns, r.source) as Volume;
    const claims = (r.readOnly ? vol.ReadAllocs : vol.WriteAllocs) as Json;
    claims[String(alloc.ID)] = null;
    // The volume's "current" modes are taken from its first claim.
    if (!vol.AccessMode) Object.assign(vol, { AccessMode: r.accessMode, AttachmentMode: r.attachmentMode });
    vol.ModifyIndex = allocIdx;
  }
  if (deployment) ((deployment.TaskGroups as Json)[String(g.Name)] as Json).PlacedAllocs = Number(((deployment.TaskGroups as Json)[String(g.Name)] as Json).PlacedAllocs) + 1;
  if (state.runner) state.runner.start(alloc, g, job);
  else state.later(config.allocStartDelayMs, () => startAlloc(state, config, alloc, g));
  return alloc;
}

/** Node drain: stop `old` (marked for migration) and place its replacement on another eligible node. */
export function migrateAlloc(state: SimState, config: SimConfig, old: Json): Json | undefined {
  const stored = state.getJob(String(old.Namespace), String(old.JobID));
  const group = groups(stored?.job ?? {}).find((g) => g.Name === old.TaskGroup);
  const idx = state.bump('allocs', 'job_summary');
  Object.assign(old, {
    DesiredStatus: 'stop', DesiredDescription: 'alloc is being migrated', ClientStatus: 'complete', ModifyIndex: idx, ModifyTime: nowNs(),
    DesiredTransition: { ...(old.DesiredTransition as Json), Migrate: true },
  });
  state.runner?.stop(old);
  releaseClaims(state, String(old.ID));
  if (!stored || !group || eligibleNodes(state).length === 0) return undefined;
  const index = Number(/\[(\d+)\]$/.exec(String(old.Name))?.[1] ?? 0);
  const next = placeAlloc(state, config, stored.job, group, index, String(old.EvalID), undefined, old);
  old.NextAllocation = next.ID;
  refreshJob(state, String(old.Namespace), String(old.JobID));
  return next;
}

function startAlloc(state: SimState, config: SimConfig, alloc: Json, group: Json): void {
  if (isTerminal(alloc)) return;
  const started = new Date().toISOString();
  const taskStates: Json = {};
  for (const t of tasks(group))
    taskStates[String(t.Name)] = {
      State: 'running', Failed: false, Restarts: 0, LastRestart: '0001-01-01T00:00:00Z', StartedAt: started, FinishedAt: '0001-01-01T00:00:00Z',
      Events: [{ Type: 'Received', Time: nowNs(), DisplayMessage: 'Task received by client' }, { Type: 'Started', Time: nowNs(), DisplayMessage: 'Task started by client' }],
      TaskHandle: null,
    };
  const idx = state.bump('allocs', 'job_summary');
  Object.assign(alloc, { ClientStatus: 'running', ClientDescription: 'Tasks are running', TaskStates: taskStates, ModifyIndex: idx, ModifyTime: nowNs() });
  refreshJob(state, String(alloc.Namespace), String(alloc.JobID));
  if (alloc.DeploymentStatus) state.later(config.allocStartDelayMs, () => markHealthy(state, alloc));
}

export function markHealthy(state: SimState, alloc: Json): void {
  if (isTerminal(alloc)) return;
  const idx = state.bump('allocs', 'deployment');
  alloc.DeploymentStatus = { Healthy: true, Timestamp: new Date().toISOString(), Canary: false, ModifyIndex: idx };
  alloc.ModifyIndex = idx;
  const d = state.deployments.get(String(alloc.DeploymentID));
  if (!d || d.Status !== 'running') return;
  const tg = (d.TaskGroups as Json)[String(alloc.TaskGroup)] as Json | undefined;
  if (tg) tg.HealthyAllocs = Number(tg.HealthyAllocs) + 1;
  d.ModifyIndex = idx;
  const done = Object.values(d.TaskGroups as Record<string, Json>).every((tgs) => Number(tgs.HealthyAllocs) >= Number(tgs.DesiredTotal));
  if (!done) return;
  Object.assign(d, { Status: 'successful', StatusDescription: 'Deployment completed successfully', ModifyTime: nowNs() });
  const stored = state.getJob(String(d.Namespace), String(d.JobID));
  const version = stored?.versions.find((v) => v.Version === d.JobVersion);
  if (version) version.Stable = true;
  if (stored && stored.job.Version === d.JobVersion) {
    stored.job.Stable = true;
    stored.job.ModifyIndex = state.bump('jobs');
  }
}

/** Job.Deregister: stop the job (or purge it), cancel its deployment, stop allocs. */
export function deregister(state: SimState, config: SimConfig, ns: string, jobId: string, purge: boolean): Json {
  const stored = state.getJob(ns, jobId);
  const job = stored?.job ?? { ID: jobId, Namespace: ns, Priority: 50, Type: 'service', JobModifyIndex: 0 };
  for (const d of state.deployments.values())
    if (d.Namespace === ns && d.JobID === jobId && d.Status === 'running') Object.assign(d, { Status: 'cancelled', StatusDescription: 'Cancelled because job is stopped' });
  stopAllocs(state, config, ns, jobId);
  const idx = state.bump('jobs', 'job_summary', 'evals', 'deployment');
  if (stored) {
    if (purge) state.jobs.delete(`${ns}/${jobId}`);
    else Object.assign(stored.job, { Stop: true, Status: 'dead', ModifyIndex: idx, JobModifyIndex: idx });
  }
  const ev = newEval(job, 'job-deregister', idx);
  state.evals.set(String(ev.ID), ev);
  return { EvalID: ev.ID, EvalCreateIndex: idx, JobModifyIndex: idx, VolumeEvalID: '', VolumeEvalIndex: 0, Index: idx, LastContact: 0, KnownLeader: false, NextToken: '' };
}

/** The allocation failed its health (tasks dead or the healthy deadline passed): fail the deployment. */
export function markUnhealthy(state: SimState, alloc: Json, description = 'Failed due to unhealthy allocations'): void {
  const idx = state.bump('allocs', 'deployment');
  alloc.DeploymentStatus = { Healthy: false, Timestamp: new Date().toISOString(), Canary: false, ModifyIndex: idx };
  alloc.ModifyIndex = idx;
  const d = state.deployments.get(String(alloc.DeploymentID));
  if (!d || d.Status !== 'running') return;
  const tg = (d.TaskGroups as Json)[String(alloc.TaskGroup)] as Json | undefined;
  if (tg) tg.UnhealthyAllocs = Number(tg.UnhealthyAllocs) + 1;
  Object.assign(d, { Status: 'failed', StatusDescription: description, ModifyIndex: idx, ModifyTime: nowNs() });
}
