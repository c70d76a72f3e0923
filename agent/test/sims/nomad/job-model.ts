/**
 * @module nomad-sim/job-model
 * Pure helpers on job JSON: canonicalisation with Nomad's defaults (api.Job
 * Canonicalize + server fields), list stubs (structs.JobListStub), summaries
 * (structs.JobSummary), job status (state_store getJobStatus, simplified) and a
 * structural plan diff in structs.JobDiff's shape (field-level, not Nomad's
 * exact annotation rules).
 */
import type { Json } from './state';

const clone = <T>(v: T): T => structuredClone(v);
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function groups(job: Json): Json[] {
  return Array.isArray(job.TaskGroups) ? (job.TaskGroups as Json[]) : [];
}
export function tasks(group: Json): Json[] {
  return Array.isArray(group.Tasks) ? (group.Tasks as Json[]) : [];
}

/** Defaults from api.Job.Canonicalize that clients commonly read back. */
export function canonicalize(input: Json, namespace: string, region: string): Json {
  const job = clone(input);
  job.ID ??= job.Name;
  job.Name ??= job.ID;
  job.Namespace = namespace;
  job.Region = typeof job.Region === 'string' && job.Region !== '' ? job.Region : region;
  job.Type ??= 'service';
  job.Priority ??= 50;
  job.AllAtOnce ??= false;
  job.Datacenters ??= ['*'];
  job.NodePool ??= 'default';
  job.ParentID ??= '';
  job.Meta ??= null;
  job.Constraints ??= null;
  job.Dispatched ??= false;
  job.Stop ??= false;
  for (const g of groups(job)) {
    g.Count ??= 1;
    g.Constraints ??= null;
    g.Volumes ??= null;
    g.Networks ??= null;
    g.Services ??= null;
    g.Meta ??= null;
    g.RestartPolicy ??= job.Type === 'batch'
      ? { Attempts: 3, Interval: 86_400_000_000_000, Delay: 15_000_000_000, Mode: 'fail', RenderTemplates: false }
      : { Attempts: 2, Interval: 1_800_000_000_000, Delay: 15_000_000_000, Mode: 'fail', RenderTemplates: false };
    g.EphemeralDisk ??= { Sticky: false, SizeMB: 300, Migrate: false };
    if (job.Type === 'service')
      g.Update ??= {
        Stagger: 30_000_000_000, MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10_000_000_000, HealthyDeadline: 300_000_000_000,
        ProgressDeadline: 600_000_000_000, AutoRevert: false, AutoPromote: false, Canary: 0,
      };
    for (const t of tasks(g)) {
      t.Config ??= null;
      t.Env ??= null;
      t.Services ??= null;
      t.VolumeMounts ??= null;
      t.Templates ??= null;
      t.Resources = { CPU: 100, Cores: 0, MemoryMB: 300, MemoryMaxMB: 0, ...(isObj(t.Resources) ? t.Resources : {}) };
      t.KillTimeout ??= 5_000_000_000;
      t.LogConfig ??= { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false };
      t.Leader ??= false;
      t.User ??= '';
      for (const vm of (t.VolumeMounts as Json[] | null) ?? []) {
        vm.ReadOnly ??= false;
        vm.PropagationMode ??= 'private';
      }
    }
  }
  return job;
}

export type Summary = Record<string, { Queued: number; Complete: number; Failed: number; Running: number; Starting: number; Lost: number; Unknown: number }>;

export function summarize(job: Json, allocs: Json[], queued: Record<string, number>): Json {
  const summary: Summary = {};
  for (const g of groups(job)) summary[String(g.Name)] = { Queued: queued[String(g.Name)] ?? 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 };
  for (const a of allocs) {
    const s = (summary[String(a.TaskGroup)] ??= { Queued: 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 });
    if (a.ClientStatus === 'pending') s.Starting++;
    else if (a.ClientStatus === 'running') s.Running++;
    else if (a.ClientStatus === 'complete') s.Complete++;
    else if (a.ClientStatus === 'failed') s.Failed++;
    else if (a.ClientStatus === 'lost') s.Lost++;
  }
  return { JobID: job.ID, Namespace: job.Namespace, Summary: summary, Children: { Pending: 0, Running: 0, Dead: 0 }, CreateIndex: job.CreateIndex, ModifyIndex: job.ModifyIndex };
}

export const isTerminal = (a: Json): boolean => a.DesiredStatus !== 'run' || ['complete', 'failed', 'lost'].includes(String(a.ClientStatus));

/** Simplified state_store getJobStatus: live allocs → running; blocked work → pending; else dead. */
export function jobStatus(job: Json, allocs: Json[], hasQueued: boolean): string {
  if (allocs.some((a) => !isTerminal(a))) return 'running';
  if (job.Stop) return 'dead';
  if (hasQueued || allocs.length === 0) return 'pending';
  return job.Type === 'service' ? 'pending' : 'dead';
}

export function stub(job: Json, summary: Json, withMeta: boolean): Json {
  return {
    ID: job.ID, ParentID: job.ParentID, Name: job.Name, Namespace: job.Namespace, Datacenters: job.Datacenters, NodePool: job.NodePool,
    Multiregion: null, Type: job.Type, Priority: job.Priority, Periodic: false, ParameterizedJob: false, Stop: job.Stop, Status: job.Status,
    StatusDescription: job.StatusDescription ?? '', JobSummary: summary, CreateIndex: job.CreateIndex, ModifyIndex: job.ModifyIndex,
    JobModifyIndex: job.JobModifyIndex, SubmitTime: job.SubmitTime, ...(withMeta && job.Meta ? { Meta: job.Meta } : {}),
  };
}

/** Fields the server owns; excluded from spec comparison and diffs. */
const SERVER_FIELDS = new Set(['Status', 'StatusDescription', 'Stable', 'Version', 'SubmitTime', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'TaskGroups', 'Tasks']);

export function specEqual(a: Json, b: Json): boolean {
  const strip = (j: Json): Json => {
    const c = clone(j);
    for (const k of ['Status', 'StatusDescription', 'Stable', 'Version', 'SubmitTime', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex']) delete c[k];
    return c;
  };
  return JSON.stringify(sortKeys(strip(a))) === JSON.stringify(sortKeys(strip(b)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

type DiffType = 'Added' | 'Deleted' | 'Edited' | 'None';
interface FieldDiff { Type: DiffType; Name: string; Old: string; New: string; Annotations: string[] | null }
interface ObjectDiff { Type: DiffType; Name: string; Fields: FieldDiff[] | null; Objects: ObjectDiff[] | null }

const prim = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (isObj(v)) for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  else if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
  else if (v !== null && v !== undefined) out.set(prefix, prim(v));
}

function fieldsAndObjects(oldV: Json | undefined, newV: Json | undefined, annotate: boolean): { fields: FieldDiff[]; objects: ObjectDiff[] } {
  const fields: FieldDiff[] = [];
  const objects: ObjectDiff[] = [];
  const keys = [...new Set([...Object.keys(oldV ?? {}), ...Object.keys(newV ?? {})])].filter((k) => !SERVER_FIELDS.has(k)).sort();
  for (const k of keys) {
    const o = oldV?.[k];
    const n = newV?.[k];
    if (isObj(o) || isObj(n) || Array.isArray(o) || Array.isArray(n)) {
      const fo = new Map<string, string>();
      const fn = new Map<string, string>();
      flatten(o, '', fo);
      flatten(n, '', fn);
      const inner: FieldDiff[] = [];
      for (const name of [...new Set([...fo.keys(), ...fn.keys()])].sort()) {
        const a = fo.get(name);
        const b = fn.get(name);
        if (a === b) continue;
        inner.push({ Type: a === undefined ? 'Added' : b === undefined ? 'Deleted' : 'Edited', Name: name, Old: a ?? '', New: b ?? '', Annotations: null });
      }
      if (inner.length) objects.push({ Type: o === undefined || o === null ? 'Added' : n === undefined || n === null ? 'Deleted' : 'Edited', Name: k, Fields: inner, Objects: null });
    } else if (prim(o) !== prim(n)) {
      fields.push({
        Type: o === undefined || o === null ? 'Added' : n === undefined || n === null ? 'Deleted' : 'Edited',
        Name: k, Old: prim(o), New: prim(n), Annotations: annotate ? ['forces create/destroy update'] : null,
      });
    }
  }
  return { fields, objects };
}

function diffType(oldV: unknown, newV: unknown, changed: boolean): DiffType {
  if (oldV === undefined) return 'Added';
  if (newV === undefined) return 'Deleted';
  return changed ? 'Edited' : 'None';
}

/** structs.JobDiff-shaped diff plus per-group update counts for PlanAnnotations. */
export function jobDiff(oldJob: Json | undefined, newJob: Json): { diff: Json; updates: Record<string, Json> } {
  const top = fieldsAndObjects(oldJob, newJob, false);
  const updates: Record<string, Json> = {};
  const oldGroups = new Map(groups(oldJob ?? {}).map((g) => [String(g.Name), g]));
  const newGroups = new Map(groups(newJob).map((g) => [String(g.Name), g]));
  const tgDiffs: Json[] = [];
  for (const name of [...new Set([...oldGroups.keys(), ...newGroups.keys()])].sort()) {
    const og = oldGroups.get(name);
    const ng = newGroups.get(name);
    const gd = fieldsAndObjects(og, ng, false);
    const oldTasks = new Map(tasks(og ?? {}).map((t) => [String(t.Name), t]));
    const newTasks = new Map(tasks(ng ?? {}).map((t) => [String(t.Name), t]));
    const taskDiffs: Json[] = [];
    let destructive = false;
    for (const tn of [...new Set([...oldTasks.keys(), ...newTasks.keys()])].sort()) {
      const ot = oldTasks.get(tn);
      const nt = newTasks.get(tn);
      const td = fieldsAndObjects(ot, nt, true);
      const changed = td.fields.length + td.objects.length > 0;
      destructive ||= changed || !ot || !nt;
      taskDiffs.push({ Type: diffType(ot, nt, changed), Name: tn, Fields: td.fields.length ? td.fields : null, Objects: td.objects.length ? td.objects : null, Annotations: changed && ot && nt ? ['forces create/destroy update'] : null });
    }
    const gChanged = gd.fields.length + gd.objects.length > 0 || destructive;
    const count = Number(ng?.Count ?? 0);
    const u = { Ignore: 0, Place: 0, Migrate: 0, Stop: 0, InPlaceUpdate: 0, DestructiveUpdate: 0, Canary: 0, Preemptions: 0, Disconnect: 0, Reconnect: 0, RescheduleNow: 0, RescheduleLater: 0 };
    if (!og) u.Place = count;
    else if (!ng) u.Stop = Number(og.Count ?? 0);
    else if (destructive) u.DestructiveUpdate = count;
    else u.Ignore = count;
    if (ng) updates[name] = u;
    const label = !og ? { create: count } : !ng ? { destroy: Number(og.Count ?? 0) } : destructive ? { 'create/destroy update': count } : { ignore: count };
    tgDiffs.push({ Type: diffType(og, ng, gChanged), Name: name, Fields: gd.fields.length ? gd.fields : null, Objects: gd.objects.length ? gd.objects : null, Tasks: taskDiffs, Updates: label });
  }
  const changed = top.fields.length + top.objects.length > 0 || tgDiffs.some((t) => t.Type !== 'None');
  return {
    diff: { Type: diffType(oldJob, newJob, changed), ID: newJob.ID, Fields: top.fields.length ? top.fields : null, Objects: top.objects.length ? top.objects : null, TaskGroups: tgDiffs },
    updates,
  };
}
