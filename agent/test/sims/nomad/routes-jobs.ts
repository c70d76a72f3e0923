/**
 * @module nomad-sim/routes-jobs
 * /v1/jobs, /v1/jobs/parse and /v1/job/:id[/suffix], following
 * command/agent/job_endpoint.go: suffix dispatch, its 400 messages ("Job must
 * be specified", "Job ID hasn't been provided", "Job ID does not match name"),
 * 404 "job not found" for read/summary, empty lists (not 404) for
 * allocations/evaluations/deployments of unknown jobs, `null` for
 * /deployment, and RPC errors (EnforceIndex, nonexistent namespace) as 500.
 */
import { z } from 'zod';
import { coded, invalidMethod, multiError, rpcError } from './errors';
import { HclError, evaluate, parseHcl } from './hcl';
import type { RouteDef } from './index';
import { canonicalize, groups, jobDiff, specEqual, stub, summarize } from './job-model';
import { parseJobspec } from './jobspec';
import { deregister, placementFailures, schedule } from './scheduler';
import { type Ctx, enforceAcl, type Reply } from './server';
import { type Json, nowNs } from './state';

const JobShape = z.looseObject({
  ID: z.string().nullish(),
  Name: z.string().nullish(),
  Namespace: z.string().nullish(),
  Region: z.string().nullish(),
  Type: z.string().nullish(),
  Priority: z.number().int().nullish(),
  Datacenters: z.array(z.string()).nullish(),
  TaskGroups: z.array(z.looseObject({ Name: z.string().nullish(), Count: z.number().int().nullish(), Tasks: z.array(z.looseObject({})).nullish() })).nullish(),
});
const RegisterShape = z.looseObject({
  Job: JobShape.nullish(),
  EnforceIndex: z.boolean().optional(),
  JobModifyIndex: z.number().int().nonnegative().optional(),
  Diff: z.boolean().optional(),
  Submission: z.looseObject({}).nullish(),
});
const ParseShape = z.looseObject({ JobHCL: z.string().optional(), Canonicalize: z.boolean().optional(), Variables: z.string().optional() });

/** Go's json error for a type mismatch, e.g. "json: cannot unmarshal number into Go struct field Job.Job.ID of type string". */
function decodeAs<T>(schema: z.ZodType<T>, body: unknown, goType: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = (issue?.path ?? []).filter((p) => typeof p === 'string').join('.');
  let got: unknown = body;
  for (const key of issue?.path ?? []) got = got !== null && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  const kind = Array.isArray(got) ? 'array' : got === null ? 'null' : typeof got === 'object' ? 'object' : typeof got === 'boolean' ? 'bool' : typeof got;
  const field = path ? ` into Go struct field ${goType}.${path}` : ` into Go value of type ${goType}`;
  throw coded(400, `json: cannot unmarshal ${kind}${field} of type ${issue?.code === 'invalid_type' ? String(issue.expected) : 'value'}`);
}

const nsOf = (ctx: Ctx, job?: { Namespace?: string | null }): string => (job?.Namespace ? job.Namespace : ctx.namespace);

function listJobs(ctx: Ctx): Promise<Reply> {
  const prefix = ctx.url.searchParams.get('prefix') ?? '';
  const withMeta = ctx.url.searchParams.get('meta') === 'true';
  return ctx.blocking(['jobs', 'job_summary'], () => {
    const list = [...ctx.state.jobs.values()]
      .filter(({ job }) => (ctx.namespace === '*' || job.Namespace === ctx.namespace) && String(job.ID).startsWith(prefix))
      .sort((a, b) => String(a.job.ID).localeCompare(String(b.job.ID)))
      .map(({ job, queued }) => stub(job, summarize(job, ctx.state.jobAllocs(String(job.Namespace), String(job.ID)), queued), withMeta));
    return { body: list };
  });
}

async function register(ctx: Ctx, pathId: string): Promise<Reply> {
  const args = decodeAs(RegisterShape, await ctx.json(), 'api.JobRegisterRequest');
  if (!args.Job) throw coded(400, 'Job must be specified');
  if (args.Job.ID === undefined || args.Job.ID === null) throw coded(400, 'Job ID hasn\'t been provided');
  if (pathId !== '' && args.Job.ID !== pathId) throw coded(400, 'Job ID does not match name');
  enforceAcl('write', ctx.identity);
  const ns = nsOf(ctx, args.Job);
  const { state, config } = ctx;
  const job = canonicalize(args.Job as Json, ns, config.region);
  const errs: string[] = [];
  if (!state.namespaces.has(ns)) errs.push(`job "${String(job.ID)}" is in nonexistent namespace "${ns}"`);
  if (job.ID === '') errs.push('Missing job ID');
  else if (String(job.ID).includes(' ')) errs.push('Job ID contains a space');
  if (!['service', 'batch', 'system', 'sysbatch'].includes(String(job.Type))) errs.push(`Invalid job type: "${String(job.Type)}"`);
  if (groups(job).length === 0) errs.push('Missing job task groups');
  if (errs.length) throw rpcError(multiError(errs));

  const existing = state.getJob(ns, String(job.ID));
  if (args.EnforceIndex) {
    const want = args.JobModifyIndex ?? 0;
    const prefix = `Enforcing job modify index ${want}`;
    if (existing && want === 0) throw rpcError(`${prefix}: job already exists`);
    if (existing && want !== existing.job.JobModifyIndex) throw rpcError(`${prefix}: job exists with conflicting job modify index: ${String(existing.job.JobModifyIndex)}`);
    if (!existing && want !== 0) throw rpcError(`${prefix}: job does not exist`);
  }
  if (existing && !existing.job.Stop && specEqual(existing.job, { ...job, Stop: false })) {
    // Unchanged spec: Nomad only creates an evaluation; the version stays.
    const ev = schedule(state, config, existing.job, false);
    ctx.setIndex(Number(ev.CreateIndex));
    return { body: { EvalID: ev.ID, EvalCreateIndex: ev.CreateIndex, JobModifyIndex: existing.job.ModifyIndex, Warnings: '', Index: ev.CreateIndex, LastContact: 0, KnownLeader: false, NextToken: '' } };
  }
  const idx = state.bump('jobs', 'job_summary');
  Object.assign(job, {
    Stop: false, Status: 'pending', StatusDescription: '', Stable: false, Version: existing ? Number(existing.job.Version) + 1 : 0,
    SubmitTime: nowNs(), CreateIndex: existing?.job.CreateIndex ?? idx, ModifyIndex: idx, JobModifyIndex: idx,
  });
  const stored = { job, versions: [structuredClone(job), ...(existing?.versions ?? [])], queued: {} };
  state.jobs.set(`${ns}/${String(job.ID)}`, stored);
  const ev = schedule(state, config, job, true);
  ctx.setIndex(Number(ev.CreateIndex));
  return { body: { EvalID: ev.ID, EvalCreateIndex: ev.CreateIndex, JobModifyIndex: idx, Warnings: '', Index: ev.CreateIndex, LastContact: 0, KnownLeader: false, NextToken: '' } };
}

async function plan(ctx: Ctx, jobId: string): Promise<Reply> {
  if (ctx.method !== 'PUT' && ctx.method !== 'POST') throw invalidMethod();
  const args = decodeAs(RegisterShape, await ctx.json(), 'api.JobPlanRequest');
  if (!args.Job) throw coded(400, 'Job must be specified');
  if (args.Job.ID === undefined || args.Job.ID === null) throw coded(400, 'Job must have a valid ID');
  if (jobId !== '' && args.Job.ID !== jobId) throw coded(400, 'Job ID does not match');
  enforceAcl('write', ctx.identity);
  const ns = nsOf(ctx, args.Job);
  const job = canonicalize(args.Job as Json, ns, ctx.config.region);
  if (!ctx.state.namespaces.has(ns)) throw rpcError(multiError([`job "${String(job.ID)}" is in nonexistent namespace "${ns}"`]));
  const existing = ctx.state.getJob(ns, String(job.ID));
  const { diff, updates } = jobDiff(existing && !existing.job.Stop ? existing.job : undefined, job);
  const { failed } = placementFailures(ctx.state, job, ctx.config.datacenter);
  ctx.setIndex(ctx.state.index);
  return {
    body: {
      Annotations: { DesiredTGUpdates: updates, PreemptedAllocs: null },
      FailedTGAllocs: Object.keys(failed).length ? failed : null,
      JobModifyIndex: existing?.job.JobModifyIndex ?? 0,
      CreatedEvals: null,
      Diff: args.Diff ? diff : null,
      NextPeriodicLaunch: '0001-01-01T00:00:00Z',
      Warnings: '',
      Index: ctx.state.index,
    },
  };
}

async function parse(ctx: Ctx): Promise<Reply> {
  const args = decodeAs(ParseShape, await ctx.json(), 'api.JobsParseRequest');
  if (!args.JobHCL) throw coded(400, 'Job spec is empty');
  try {
    const vars: Record<string, string> = {};
    if (args.Variables) for (const a of parseHcl(args.Variables).attrs) vars[a.name] = String(evaluate(a.expr, {}));
    const job = parseJobspec(args.JobHCL, vars);
    return { body: args.Canonicalize ? canonicalize(job, String(job.Namespace ?? 'default'), ctx.config.region) : job };
  } catch (err) {
    if (err instanceof HclError) throw coded(400, `Failed to parse job: ${err.message}`);
    throw err;
  }
}

function parseBoolParam(ctx: Ctx, name: string): boolean {
  const v = ctx.url.searchParams.get(name);
  if (!v) return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw rpcError(`Failed to parse value of "${name}" (${v}) as a bool: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

async function jobSpecific(ctx: Ctx, [rest = '']: string[]): Promise<Reply> {
  const { state } = ctx;
  const suffix = ['/allocations', '/evaluations', '/plan', '/summary', '/deployments', '/deployment', '/versions'].find((s) => rest.endsWith(s));
  const id = suffix ? rest.slice(0, -suffix.length) : rest;
  const ns = ctx.namespace;
  const read = (): void => {
    if (ctx.method !== 'GET') throw invalidMethod();
    enforceAcl('read', ctx.identity);
  };
  switch (suffix) {
    case '/plan':
      return plan(ctx, id);
    case '/allocations':
      read();
      return ctx.blocking(['allocs'], () => ({ body: state.jobAllocs(ns, id).sort((a, b) => Number(b.CreateIndex) - Number(a.CreateIndex)) }));
    case '/evaluations':
      read();
      return ctx.blocking(['evals'], () => ({ body: [...state.evals.values()].filter((e) => e.Namespace === ns && e.JobID === id).sort((a, b) => Number(b.CreateIndex) - Number(a.CreateIndex)) }));
    case '/deployments':
      read();
      return ctx.blocking(['deployment'], () => ({ body: deploymentsOf(ctx, ns, id) }));
    case '/deployment':
      read();
      return ctx.blocking(['deployment'], () => ({ body: deploymentsOf(ctx, ns, id)[0] ?? null }));
    case '/summary':
      enforceAcl('read', ctx.identity);
      return ctx.blocking(['job_summary'], () => {
        const stored = state.getJob(ns, id);
        if (!stored) throw coded(404, 'job not found');
        return { body: summarize(stored.job, state.jobAllocs(ns, id), stored.queued) };
      });
    case '/versions':
      read();
      return ctx.blocking(['jobs'], () => {
        const stored = state.getJob(ns, id);
        if (!stored) throw coded(404, 'job versions not found');
        return { body: { Versions: stored.versions, Diffs: null, Index: stored.job.ModifyIndex, LastContact: 0, KnownLeader: true, NextToken: '' } };
      });
  }
  switch (ctx.method) {
    case 'GET':
      enforceAcl('read', ctx.identity);
      return ctx.blocking(['jobs'], () => {
        const stored = state.getJob(ns, id);
        if (!stored) throw coded(404, 'job not found');
        return { body: stored.job };
      });
    case 'PUT':
    case 'POST':
      return register(ctx, id);
    case 'DELETE': {
      const purge = parseBoolParam(ctx, 'purge');
      parseBoolParam(ctx, 'global');
      enforceAcl('write', ctx.identity);
      const out = deregister(state, ctx.config, ns, id, purge);
      ctx.setIndex(Number(out.Index));
      return { body: out };
    }
    default:
      throw invalidMethod();
  }
}

function deploymentsOf(ctx: Ctx, ns: string, id: string): Json[] {
  return [...ctx.state.deployments.values()].filter((d) => d.Namespace === ns && d.JobID === id).sort((a, b) => Number(b.CreateIndex) - Number(a.CreateIndex));
}

export const jobRoutes: RouteDef[] = [
  { pattern: /^\/v1\/jobs\/parse$/, acl: 'agent', methods: ['PUT', 'POST'], handler: parse },
  {
    pattern: /^\/v1\/jobs$/,
    acl: 'none',
    handler: (ctx) => {
      if (ctx.method === 'GET') {
        enforceAcl('read', ctx.identity);
        return listJobs(ctx);
      }
      if (ctx.method === 'PUT' || ctx.method === 'POST') return register(ctx, '');
      throw invalidMethod();
    },
  },
  { pattern: /^\/v1\/job\/(.+)$/, acl: 'none', handler: jobSpecific },
];
