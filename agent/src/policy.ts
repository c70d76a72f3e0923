/**
 * @module
 * The agent's local policy: which SSH hosts, kube contexts/namespaces and Nomad
 * addresses/namespaces jobs may touch. Deny by default — a missing policy file allows nothing.
 * The whole job is checked before its first step runs, so a job naming anything unlisted fails
 * at step one without touching any target (a compromised server cannot widen the agent's reach).
 *
 * File format (JSON, `policy.json` in the config dir):
 * ```json
 * { "ssh":   [{ "host": "nas.lan", "port": 22, "users": ["root"], "hostKeys": "strict" }],
 *   "kube":  [{ "context": "home", "namespaces": ["media"] }, { "namespaces": ["default"] }],
 *   "nomad": [{ "address": "http://127.0.0.1:4646", "namespaces": ["default"], "tokenEnv": ["NOMAD_TOKEN"] }] }
 * ```
 * A kube entry without `context` covers targets that use the current context. `"*"` in a
 * namespaces list allows every namespace. SSH `users` omitted: only targets that name no user
 * (ssh_config decides). `hostKeys: "accept-new"` lets ssh record an unknown host key
 * (`StrictHostKeyChecking=accept-new`); default `strict` never accepts one.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  KubeContext,
  KubeNamespace,
  NomadAddress,
  NomadNamespace,
  EnvVarName,
  Port,
  SshHost,
  SshUser,
  type JobTargets,
  type KubeTarget,
  type NomadTarget,
  type SshTarget,
} from '../../worker/src/contracts/job-kinds';

const Namespaces = z.array(z.union([z.literal('*'), KubeNamespace])).min(1);

export const Policy = z.strictObject({
  ssh: z
    .array(
      z.strictObject({
        host: SshHost,
        port: Port.optional(),
        users: z.array(SshUser).optional(),
        hostKeys: z.enum(['strict', 'accept-new']).default('strict'),
      }),
    )
    .default([]),
  kube: z.array(z.strictObject({ context: KubeContext.optional(), namespaces: Namespaces })).default([]),
  nomad: z
    .array(
      z.strictObject({
        address: NomadAddress,
        namespaces: z.array(z.union([z.literal('*'), NomadNamespace])).default(['default']),
        tokenEnv: z.array(EnvVarName).default(['NOMAD_TOKEN']),
      }),
    )
    .default([]),
});
export type Policy = z.infer<typeof Policy>;

export const DENY_ALL: Policy = { ssh: [], kube: [], nomad: [] };

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Reads the policy file. Missing → deny-all (with `missing: true`); malformed → PolicyError. */
export async function loadPolicy(path: string): Promise<{ policy: Policy; missing: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { policy: DENY_ALL, missing: true };
    throw new PolicyError(`cannot read policy file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PolicyError(`policy file ${path} is not valid JSON`);
  }
  const r = Policy.safeParse(json);
  if (!r.success) throw new PolicyError(`policy file ${path} is invalid:\n${z.prettifyError(r.error)}`);
  return { policy: r.data, missing: false };
}

/** Normalises a Nomad address for comparison: lower-case origin plus path without trailing '/'. */
export function normaliseAddress(address: string): string {
  const u = new URL(address);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname.toLowerCase()}:${port}${u.pathname.replace(/\/+$/, '')}`;
}

const nsAllowed = (list: readonly string[], ns: string) => list.includes('*') || list.includes(ns);

export function sshRule(policy: Policy, t: SshTarget) {
  return policy.ssh.find(
    (r) =>
      r.host.toLowerCase() === t.host.toLowerCase() &&
      (r.port ?? 22) === (t.port ?? 22) &&
      (t.user === undefined || (r.users ?? []).includes(t.user)),
  );
}

export function kubeAllowed(policy: Policy, t: KubeTarget): boolean {
  return policy.kube.some((r) => r.context === t.context && nsAllowed(r.namespaces, t.namespace));
}

export function nomadAllowed(policy: Policy, t: NomadTarget): boolean {
  const addr = normaliseAddress(t.address);
  return policy.nomad.some(
    (r) =>
      normaliseAddress(r.address) === addr &&
      nsAllowed(r.namespaces, t.namespace ?? 'default') &&
      (t.tokenEnv === undefined || r.tokenEnv.includes(t.tokenEnv)),
  );
}

const describeSsh = (t: SshTarget) => `${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}`;

/**
 * Every policy violation among a job's targets (what its kind's declaration says it touches), as
 * human-readable lines; empty = allowed. Works for every kind: no kind has policy code of its own.
 */
export function targetViolations(policy: Policy, targets: JobTargets): string[] {
  const out: string[] = [];
  for (const t of targets.ssh ?? []) if (!sshRule(policy, t)) out.push(`ssh target ${describeSsh(t)} is not allowed by the agent policy`);
  for (const t of targets.kube ?? [])
    if (!kubeAllowed(policy, t))
      out.push(`kube target ${t.context ?? '(current context)'}/${t.namespace} is not allowed by the agent policy`);
  for (const t of targets.nomad ?? [])
    if (!nomadAllowed(policy, t))
      out.push(
        `nomad target ${t.address} namespace ${t.namespace ?? 'default'}${t.tokenEnv ? ` tokenEnv ${t.tokenEnv}` : ''} is not allowed by the agent policy`,
      );
  return out;
}
