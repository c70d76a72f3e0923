/**
 * @module
 * How a job kind is declared — once, in one file of this folder — and the types derived from the
 * declarations. A declaration carries everything worker, admin and agent need to agree on: the
 * params schema, the ordered steps (with approval gate, idempotency class, uninterruptible flag),
 * which params are secrets, whether the kind only reads (it may then use the agent's reserved
 * slot), and two functions of the params: the targets the agent policy must allow and the
 * environment variables on the agent whose values are secrets. The agent's table of step
 * implementations is typed from these declarations, so a kind or a step without an
 * implementation fails `npm run typecheck`.
 *
 * @example
 * export const diskProbe = defineJobKind({
 *   kind: 'disk-probe',
 *   title: 'Disk probe',
 *   description: 'Reports free space on an SSH host.',
 *   readOnly: true,
 *   params: z.strictObject({ host: SshTarget }),
 *   steps: [{ id: 'df', title: 'Read free space', idempotency: 'idempotent' }],
 *   targets: (p) => ({ ssh: [p.host] }),
 * });
 */
import { z } from 'zod';
import type { JobTargets } from './targets';

/**
 * Secrets the worker keeps sealed (Settings) that a job may ask for by name: the worker adds the value to the
 * job's params only in an agent's claim — never in the job row, never in an API answer.
 */
export const StoredSecretName = z.enum(['plex-token']);
export type StoredSecretName = z.infer<typeof StoredSecretName>;

/** Whether re-running a step after its agent vanished mid-step is safe. */
export const StepIdempotency = z.enum(['idempotent', 'non-idempotent']);
export type StepIdempotency = z.infer<typeof StepIdempotency>;

export interface JobStepDecl<Id extends string = string> {
  /** Stable id, unique within the kind, kebab-case. */
  readonly id: Id;
  readonly title: string;
  /** The step waits for a durable approval bound to the hash of its params before it starts. */
  readonly needsApproval?: boolean;
  /** `non-idempotent` + running when the agent vanished → needs_attention, never auto-retried. */
  readonly idempotency: StepIdempotency;
  /** Cancel waits for the step to finish instead of signalling its processes. */
  readonly uninterruptible?: boolean;
}

/** A step as every consumer sees it: `needsApproval` always present. */
export interface JobStepDef extends JobStepDecl {
  readonly needsApproval: boolean;
}

export interface JobKindDecl<K extends string, P extends z.ZodType, S extends readonly JobStepDecl[]> {
  readonly kind: K;
  readonly title: string;
  readonly description: string;
  /** Touches nothing (probes, checks): may run in the agent's slot reserved for read-only work. */
  readonly readOnly?: boolean;
  readonly params: P;
  readonly steps: S;
  /** Dotted param paths whose values are secrets: never echoed by the API, redacted from logs. */
  readonly secretParams?: readonly string[];
  /** Every target the job touches: the agent's policy must allow all of them before step one. */
  targets(params: z.infer<P>): JobTargets;
  /** Names of environment variables on the agent whose values the job uses as secrets. */
  secretEnv?(params: z.infer<P>): readonly string[];
  /**
   * Steps declared `needsApproval` whose gate depends on the params: `false` waives it for these params (e.g. a
   * step that only changes something when a token is given). Decided when the job is created.
   */
  approvals?(params: z.infer<P>): Partial<Record<S[number]['id'], boolean>>;
  /**
   * Param paths (dotted, each also in `secretParams`) that the worker fills from its stored secrets when an
   * agent claims the job; a secret that is not stored leaves the path unset.
   */
  claimSecrets?(params: z.infer<P>): Readonly<Record<string, StoredSecretName>>;
}

/** The declaration as the registry and generic code use it (kind and step ids widened). */
export interface JobKindDef {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  readonly readOnly: boolean;
  readonly params: z.ZodType;
  readonly steps: readonly JobStepDef[];
  readonly secretParams: readonly string[];
  targets(params: unknown): JobTargets;
  secretEnv(params: unknown): readonly string[];
  /** Whether step `index` waits for an approval in a job with these (parsed) params. */
  stepNeedsApproval(index: number, params: unknown): boolean;
  claimSecrets(params: unknown): Readonly<Record<string, StoredSecretName>>;
}

/** A declared kind: the literal kind name, params schema and step ids stay in its type. */
export type DeclaredJobKind<K extends string, P extends z.ZodType, S extends readonly JobStepDecl[]> = JobKindDef & {
  readonly kind: K;
  readonly params: P;
  readonly steps: { readonly [I in keyof S]: S[I] & JobStepDef };
};

/**
 * Declares a job kind. Fills the defaults (no approval, not read-only, no secrets) so consumers
 * never deal with absent flags, and checks the step ids are unique kebab-case.
 */
export function defineJobKind<const K extends string, P extends z.ZodType, const S extends readonly JobStepDecl[]>(
  decl: JobKindDecl<K, P, S>,
): DeclaredJobKind<K, P, S> {
  const ids = new Set<string>();
  for (const s of decl.steps) {
    if (!/^[a-z][a-z0-9-]*$/.test(s.id) || ids.has(s.id)) throw new Error(`job kind ${decl.kind}: bad or repeated step id "${s.id}"`);
    ids.add(s.id);
  }
  return {
    kind: decl.kind,
    title: decl.title,
    description: decl.description,
    readOnly: decl.readOnly ?? false,
    params: decl.params,
    steps: decl.steps.map((s) => ({ ...s, needsApproval: s.needsApproval ?? false })) as unknown as DeclaredJobKind<K, P, S>['steps'],
    secretParams: decl.secretParams ?? [],
    targets: (p: unknown) => decl.targets(p as z.infer<P>),
    secretEnv: (p: unknown) => decl.secretEnv?.(p as z.infer<P>) ?? [],
    stepNeedsApproval: (index: number, p: unknown) => {
      const step = decl.steps[index];
      if (!step?.needsApproval) return false;
      if (p === undefined || p === null) return true; // params unknown (unparsed): the declared gate
      return (decl.approvals?.(p as z.infer<P>) as Partial<Record<string, boolean>> | undefined)?.[step.id] ?? true;
    },
    claimSecrets: (p: unknown) => decl.claimSecrets?.(p as z.infer<P>) ?? {},
  };
}
