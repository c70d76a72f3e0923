/**
 * @module
 * The registry of typed job kinds shared by worker, admin and agent. A job kind fixes its params
 * schema and its ordered steps; the agent runs only the kinds it ships with (it is not a remote
 * shell), the worker validates `POST /api/jobs` params with the same schema, and approvals bind
 * to a step through {@link stepApprovalPayload} (canonical JSON, hashed by the caller).
 *
 * Every target string that may end up in an argv (ssh host, user, kube context…) is validated
 * strictly here: no whitespace, no shell metacharacters, no leading `-` (so it can never be read
 * as an option), bounded length. The agent still spawns with argv arrays and checks its policy.
 *
 * @example
 * const kind = getJobKind('connectivity-check');
 * const params = kind?.params.parse(body.params);
 */
import { z } from 'zod';
import { fieldIssuesOf, humanError } from './issues';

/** Whether re-running a step after its agent vanished mid-step is safe. */
export const StepIdempotency = z.enum(['idempotent', 'non-idempotent']);
export type StepIdempotency = z.infer<typeof StepIdempotency>;

export interface JobStepDef {
  /** Stable id, unique within the kind, kebab-case. */
  readonly id: string;
  readonly title: string;
  /** The step waits for a durable approval bound to the hash of its params before it starts. */
  readonly needsApproval: boolean;
  /** `non-idempotent` + running when the agent vanished → needs_attention, never auto-retried. */
  readonly idempotency: StepIdempotency;
  /** Cancel waits for the step to finish instead of signalling its processes. */
  readonly uninterruptible?: boolean;
}

export interface JobKindDef<P extends z.ZodType = z.ZodType> {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  readonly params: P;
  readonly steps: readonly JobStepDef[];
  /** Dotted param paths whose values are secrets: redacted from logs by the agent. */
  readonly secretParams?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Target validation: the strings here become argv elements or URLs on the agent's machine.

/** Hostname, IPv4, or an ssh_config alias: letters, digits, dot, dash, underscore. */
const HOST_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;
/** IPv6 literal, written without brackets. */
const IPV6_RE = /^[0-9A-Fa-f:.]{2,45}$/;
/** POSIX-ish login name. */
const USER_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
/** kubeconfig context names: `kind-dev`, `admin@cluster`, `arn:aws:eks:…:cluster/x`. */
const KUBE_CONTEXT_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@:/-]{0,252}$/;
/** Kubernetes namespace: DNS-1123 label. */
const KUBE_NAMESPACE_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Nomad namespace names. */
const NOMAD_NAMESPACE_RE = /^[A-Za-z0-9_-]{1,128}$/;
/** Environment variable name holding a Nomad token on the agent (the value never leaves it). */
const ENV_NAME_RE = /^[A-Z_][A-Z0-9_]{0,127}$/;

export const SshHost = z
  .string()
  .min(1)
  .max(253)
  .refine((h) => HOST_RE.test(h) || (h.includes(':') && IPV6_RE.test(h)), {
    message: 'host must be a hostname, IP address or ssh_config alias (no spaces, shell characters or leading "-")',
  });
export const SshUser = z.string().regex(USER_RE, 'user must be a plain login name');
export const Port = z.number().int().min(1).max(65535);
export const KubeContext = z.string().regex(KUBE_CONTEXT_RE, 'context may contain letters, digits and _ . @ : / -');
export const KubeNamespace = z.string().regex(KUBE_NAMESPACE_RE, 'namespace must be a DNS-1123 label');
export const NomadNamespace = z.string().regex(NOMAD_NAMESPACE_RE, 'namespace may contain letters, digits, _ and -');
export const EnvVarName = z.string().regex(ENV_NAME_RE, 'must be an upper-case environment variable name');

/** http(s) origin of a Nomad agent: no credentials, query or fragment; optional path prefix. */
export const NomadAddress = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (s) => {
      if (/[\s"'`$\\;|&<>(){}]/.test(s)) return false;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        return false;
      }
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        u.username === '' &&
        u.password === '' &&
        u.search === '' &&
        u.hash === '' &&
        u.hostname !== ''
      );
    },
    { message: 'address must be an http(s) URL without credentials, query or fragment' },
  );

export const SshTarget = z.strictObject({ host: SshHost, user: SshUser.optional(), port: Port.optional() });
export type SshTarget = z.infer<typeof SshTarget>;
export const KubeTarget = z.strictObject({ context: KubeContext.optional(), namespace: KubeNamespace });
export type KubeTarget = z.infer<typeof KubeTarget>;
export const NomadTarget = z.strictObject({
  address: NomadAddress,
  namespace: NomadNamespace.optional(),
  tokenEnv: EnvVarName.optional(),
});
export type NomadTarget = z.infer<typeof NomadTarget>;

const MAX_TARGETS = 32;

export const ConnectivityCheckParams = z
  .strictObject({
    ssh: z.array(SshTarget).max(MAX_TARGETS).default([]),
    kube: z.array(KubeTarget).max(MAX_TARGETS).default([]),
    nomad: z.array(NomadTarget).max(MAX_TARGETS).default([]),
  })
  .refine((p) => p.ssh.length + p.kube.length + p.nomad.length > 0, {
    message: 'name at least one ssh, kube or nomad target',
  });
export type ConnectivityCheckParams = z.infer<typeof ConnectivityCheckParams>;

export const connectivityCheck = {
  kind: 'connectivity-check',
  title: 'Connectivity check',
  description:
    'Checks that the agent can reach each SSH host (uname -a), Kubernetes namespace (server version and ' +
    'namespace access) and Nomad address (leader and version). Run it first after enrolling an agent.',
  params: ConnectivityCheckParams,
  steps: [
    { id: 'ssh', title: 'Check SSH hosts', needsApproval: false, idempotency: 'idempotent' },
    { id: 'kube', title: 'Check Kubernetes namespaces', needsApproval: false, idempotency: 'idempotent' },
    { id: 'nomad', title: 'Check Nomad addresses', needsApproval: false, idempotency: 'idempotent' },
  ],
} as const satisfies JobKindDef;

/**
 * A harmless kind that exercises the engine without touching any target: log volume, a
 * non-idempotent step (resume → needs_attention), an uninterruptible step, cancel of a running
 * child process, and redaction of a secret param. Used by tests and the agent benchmark.
 */
export const AgentSelftestParams = z.strictObject({
  /** Log lines the `emit` step writes. */
  lines: z.number().int().min(0).max(100_000).default(10),
  /** Pause between lines, so log output spans time (log-loss tests). */
  lineDelayMs: z.number().int().min(0).max(1000).default(0),
  /** Milliseconds each step spends in a child `sleep` process (cancel reaches it). */
  emitMs: z.number().int().min(0).max(600_000).default(0),
  changeMs: z.number().int().min(0).max(600_000).default(0),
  settleMs: z.number().int().min(0).max(600_000).default(0),
  /** Printed by the `emit` step; must arrive redacted (it is a secret param). */
  secret: z.string().max(8192).optional(),
});
export type AgentSelftestParams = z.infer<typeof AgentSelftestParams>;

export const agentSelftest = {
  kind: 'agent-selftest',
  title: 'Agent self-test',
  description: 'Exercises the agent engine (logs, cancel, resume, redaction) without touching any host.',
  params: AgentSelftestParams,
  secretParams: ['secret'],
  steps: [
    { id: 'emit', title: 'Emit log lines', needsApproval: false, idempotency: 'idempotent' },
    { id: 'change', title: 'Simulated change', needsApproval: false, idempotency: 'non-idempotent' },
    { id: 'settle', title: 'Settle', needsApproval: false, idempotency: 'idempotent', uninterruptible: true },
  ],
} as const satisfies JobKindDef;

/** Like the self-test, but its only step waits for an approval: for approval-gate tests and demos. */
export const ApprovalSelftestParams = z.strictObject({
  note: z.string().max(500).default(''),
  applyMs: z.number().int().min(0).max(600_000).default(0),
});
export type ApprovalSelftestParams = z.infer<typeof ApprovalSelftestParams>;

export const approvalSelftest = {
  kind: 'approval-selftest',
  title: 'Approval self-test',
  description: 'A no-op step behind an approval gate, to try approvals without touching any host.',
  params: ApprovalSelftestParams,
  steps: [
    { id: 'prepare', title: 'Prepare', needsApproval: false, idempotency: 'idempotent' },
    { id: 'apply', title: 'Apply (needs approval)', needsApproval: true, idempotency: 'non-idempotent' },
  ],
} as const satisfies JobKindDef;

export const JOB_KINDS = [connectivityCheck, agentSelftest, approvalSelftest] as const;
export type JobKindName = (typeof JOB_KINDS)[number]['kind'];
export const JobKindName = z.enum(JOB_KINDS.map((k) => k.kind) as [JobKindName, ...JobKindName[]]);

/** Params type per kind name, for typed handlers on the agent. */
export interface JobParamsByKind {
  'connectivity-check': ConnectivityCheckParams;
  'agent-selftest': AgentSelftestParams;
  'approval-selftest': ApprovalSelftestParams;
}

export function getJobKind(kind: string): JobKindDef | undefined {
  return JOB_KINDS.find((k) => k.kind === kind);
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
 * Deterministic JSON with object keys sorted (RFC 8785-like for the values we use: strings,
 * finite numbers, booleans, null, arrays, plain objects). `undefined` members are dropped, as
 * in JSON.stringify. Throws on non-finite numbers, bigints and functions rather than guessing.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
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
    paramsSchema: z.toJSONSchema(k.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    secretParams: [...(k.secretParams ?? [])],
    steps: k.steps.map((s) => ({ ...s })),
  }));
}

export const REDACTED = '[redacted]';

/**
 * A copy of `params` with every secret param (dotted path; arrays are walked) replaced by
 * REDACTED. What the worker returns to clients: secrets go to the agent, never back out.
 */
export function redactSecretParams(kind: string, params: unknown): unknown {
  const paths = getJobKind(kind)?.secretParams ?? [];
  if (!paths.length || params === null || typeof params !== 'object') return params;
  const copy = structuredClone(params) as Record<string, unknown>;
  const redact = (node: unknown, keys: string[]): void => {
    if (Array.isArray(node)) return node.forEach((n) => redact(n, keys));
    if (node === null || typeof node !== 'object' || keys.length === 0) return;
    const [head, ...rest] = keys as [string, ...string[]];
    const obj = node as Record<string, unknown>;
    if (!(head in obj)) return;
    if (rest.length === 0) obj[head] = REDACTED;
    else redact(obj[head], rest);
  };
  for (const p of paths) redact(copy, p.split('.'));
  return copy;
}
