/**
 * @module
 * The registry of job kinds shared by worker, admin and agent. Each kind is declared once, in its
 * own file of this folder (see define.ts); this index lists them and derives everything else:
 * the kind-name union, params and step-id types per kind, validation of `POST /api/jobs`, the
 * approval payload a step's approval binds to, what `GET /api/job-kinds` returns, and the copy of
 * params the API may show (secrets replaced).
 *
 * Adding a kind: a declaration file here, its entry in JOB_KINDS, and a folder in
 * agent/src/kinds/ — the agent's implementation table fails to typecheck until it exists.
 *
 * @example
 * const parsed = parseJobParams('connectivity-check', body.params);
 * if (parsed.ok) await createJob(db, { kind: 'connectivity-check', params: parsed.params, … });
 */
import { z } from 'zod';
import { REDACTED } from '../secrets';
import { fieldIssuesOf, humanError } from '../issues';
import { agentSelftest } from './agent-selftest';
import { approvalSelftest } from './approval-selftest';
import { canonicalJson } from './canonical-json';
import { connectivityCheck } from './connectivity-check';
import { plexToKubernetes } from './plex-to-kubernetes';
import { plexToKubernetesRollback } from './plex-to-kubernetes-rollback';
import { StepIdempotency, type JobKindDef, type StoredSecretName } from './define';
import { nomadFailoverDrill } from './nomad-failover-drill';
import { overseerrCleanup } from './overseerr-cleanup';
import { overseerrToNomad } from './overseerr-to-nomad';
import { overseerrToNomadRollback } from './overseerr-to-nomad-rollback';

export * from './targets';
export * from './define';
export * from './canonical-json';
export * from './connectivity-check';
export * from './agent-selftest';
export * from './approval-selftest';
export * from './plex-shared';
export * from './plex-to-kubernetes';
export * from './plex-to-kubernetes-rollback';
export * from './overseerr-shared';
export * from './overseerr-to-nomad';
export * from './overseerr-to-nomad-rollback';
export * from './overseerr-cleanup';
export * from './nomad-failover-drill';

/** Every kind this build knows, in the order the admin lists them. */
export const JOB_KINDS = [
  connectivityCheck,
  plexToKubernetes,
  plexToKubernetesRollback,
  overseerrToNomad,
  overseerrToNomadRollback,
  overseerrCleanup,
  nomadFailoverDrill,
  agentSelftest,
  approvalSelftest,
] as const;

type AnyJobKind = (typeof JOB_KINDS)[number];
export type JobKindName = AnyJobKind['kind'];
export type JobKindByName<K extends JobKindName> = Extract<AnyJobKind, { readonly kind: K }>;
/** Parsed params of kind K. */
export type JobParams<K extends JobKindName> = z.infer<JobKindByName<K>['params']>;
/** The step ids of kind K, as a union of literals. */
export type JobStepId<K extends JobKindName> = JobKindByName<K>['steps'][number]['id'];
export type JobParamsByKind = { [K in JobKindName]: JobParams<K> };

export const JobKindName = z.enum(JOB_KINDS.map((k) => k.kind) as [JobKindName, ...JobKindName[]]);

const BY_NAME: ReadonlyMap<string, JobKindDef> = new Map(JOB_KINDS.map((k) => [k.kind, k]));

export function getJobKind(kind: string): JobKindDef | undefined {
  return BY_NAME.get(kind);
}

/** The kinds declared read-only: what an agent may claim into its reserved slot. */
export function readOnlyJobKinds(): string[] {
  return JOB_KINDS.filter((k) => k.readOnly).map((k) => k.kind);
}

/**
 * Validates `{ kind, params }`: unknown kind or bad params → `{ ok: false, issues }` with
 * field paths (prefixed `params.`), so `POST /api/jobs` can answer 400 with field errors.
 */
export function parseJobParams(
  kind: string,
  params: unknown,
): { ok: true; params: unknown } | { ok: false; issues: { path: string; message: string }[] } {
  const def = getJobKind(kind);
  if (!def) return { ok: false, issues: [{ path: 'kind', message: `There is no job kind "${kind.slice(0, 100)}".` }] };
  const r = def.params.safeParse(params ?? {}, { error: humanError });
  if (r.success) return { ok: true, params: r.data };
  return { ok: false, issues: fieldIssuesOf(r.error, ['params']) };
}

/**
 * The canonical string an approval binds to: kind, step index and id, and the job's (parsed)
 * params. Hash it (sha256 hex) to get the step's params hash; if params change, the approval no
 * longer matches.
 */
export function stepApprovalPayload(kind: string, stepIndex: number, params: unknown): string {
  const def = getJobKind(kind);
  const step = def?.steps[stepIndex];
  if (!def || !step) throw new RangeError(`no step ${stepIndex} in job kind "${kind}"`);
  return canonicalJson({ kind, params, step: { id: step.id, index: stepIndex } });
}

/** What `GET /api/job-kinds` returns per kind: params as JSON Schema plus the step list. */
export const JobKindInfo = z.object({
  kind: z.string(),
  title: z.string(),
  description: z.string(),
  readOnly: z.boolean(),
  paramsSchema: z.record(z.string(), z.unknown()),
  /** Dotted param paths holding secrets: forms mask them, the API never echoes them. */
  secretParams: z.array(z.string()),
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      needsApproval: z.boolean(),
      idempotency: StepIdempotency,
      uninterruptible: z.boolean().optional(),
    }),
  ),
});
export type JobKindInfo = z.infer<typeof JobKindInfo>;

export function describeJobKinds(): JobKindInfo[] {
  return (JOB_KINDS as readonly JobKindDef[]).map((k) => ({
    kind: k.kind,
    title: k.title,
    description: k.description,
    readOnly: k.readOnly,
    paramsSchema: z.toJSONSchema(k.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    secretParams: [...k.secretParams],
    steps: k.steps.map((s) => ({
      id: s.id,
      title: s.title,
      needsApproval: s.needsApproval,
      idempotency: s.idempotency,
      ...(s.uninterruptible ? { uninterruptible: true } : {}),
    })),
  }));
}

/** Visits the values at a dotted path (arrays along the way are walked). */
function atPath(node: unknown, keys: readonly string[], visit: (obj: Record<string, unknown>, key: string) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => atPath(n, keys, visit));
  if (node === null || typeof node !== 'object' || keys.length === 0) return;
  const [head, ...rest] = keys as [string, ...string[]];
  const obj = node as Record<string, unknown>;
  if (!(head in obj)) return;
  if (rest.length === 0) visit(obj, head);
  else atPath(obj[head], rest, visit);
}

/**
 * A copy of `params` with every declared secret param replaced by REDACTED. What the worker
 * returns to clients: secrets go to the agent, never back out.
 */
export function redactSecretParams(kind: string, params: unknown): unknown {
  const paths = getJobKind(kind)?.secretParams ?? [];
  if (!paths.length || params === null || typeof params !== 'object') return params;
  const copy = structuredClone(params);
  for (const p of paths) atPath(copy, p.split('.'), (obj, key) => (obj[key] = REDACTED));
  return copy;
}

/** The string values at a kind's declared secret params (for the agent's redactor). */
export function secretParamValues(kind: string, params: unknown): string[] {
  const out: string[] = [];
  for (const p of getJobKind(kind)?.secretParams ?? [])
    atPath(params, p.split('.'), (obj, key) => {
      const v = obj[key];
      if (typeof v === 'string') out.push(v);
    });
  return out;
}

/**
 * The params an agent's claim carries: a copy of the job's params with the kind's claim secrets filled from
 * the worker's stored secrets (`resolve` answers null when one is not stored). The job row never holds them.
 * Only declared secret params can be filled, so the agent redacts every value it receives this way.
 */
export async function withClaimSecrets(kind: string, params: unknown, resolve: (name: StoredSecretName) => Promise<string | null>): Promise<unknown> {
  const def = getJobKind(kind);
  const parsed = def?.params.safeParse(params);
  if (!def || !parsed?.success) return params;
  const wanted = Object.entries(def.claimSecrets(parsed.data));
  if (wanted.length === 0) return params;
  const copy = structuredClone(params) as Record<string, unknown>;
  for (const [path, name] of wanted) {
    if (!def.secretParams.includes(path)) throw new Error(`job kind ${kind}: claim secret ${path} is not a declared secret param`);
    const value = await resolve(name);
    if (value === null) continue;
    const keys = path.split('.');
    let node = copy;
    for (const k of keys.slice(0, -1)) {
      if (node[k] === null || typeof node[k] !== 'object') node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = value;
  }
  return copy;
}
