/**
 * @module
 * The targets a job may touch, as shared zod schemas. Every string here can end up in an argv or
 * a URL on the agent's machine, so each is validated strictly: no whitespace, no shell
 * metacharacters, no leading `-` (it could be read as an option), bounded length. The agent
 * still spawns with argv arrays and checks every target against its local policy.
 *
 * A kind declares which targets a job touches with `targets(params)` (see define.ts); the agent's
 * policy check works from that list alone, so a new kind never needs policy code of its own. A
 * new *class* of target (beside ssh, kube and nomad) is added here and in the agent's policy.
 */
import { z } from 'zod';

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
/** Kubernetes object names (DNS-1123 subdomain). */
const KUBE_NAME_RE = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;
/** Nomad namespace names. */
const NOMAD_NAMESPACE_RE = /^[A-Za-z0-9_-]{1,128}$/;
/** Environment variable name holding a secret on the agent (the value never leaves it). */
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
export const KubeName = z.string().regex(KUBE_NAME_RE, 'name must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")');
export const NomadNamespace = z.string().regex(NOMAD_NAMESPACE_RE, 'namespace may contain letters, digits, _ and -');
export const EnvVarName = z.string().regex(ENV_NAME_RE, 'must be an upper-case environment variable name');

/**
 * An http(s) base URL the agent calls: no credentials, query or fragment (not even a bare `?` or
 * `#`, which `URL` would silently drop), optional path prefix.
 */
export const HttpBaseUrl = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (s) => {
      if (/[\s"'`$\\;|&<>(){}?#]/.test(s)) return false;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        return false;
      }
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '' && u.hostname !== '';
    },
    { message: 'address must be an http(s) URL without credentials, query or fragment' },
  );

/** http(s) origin of a Nomad agent. */
export const NomadAddress = HttpBaseUrl;

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

/** Most targets of one class a job may name. */
export const MAX_TARGETS = 32;

/** Every target a job touches, by class: what the agent's policy must allow before step one. */
export interface JobTargets {
  ssh?: readonly SshTarget[];
  kube?: readonly KubeTarget[];
  nomad?: readonly NomadTarget[];
}

/** The token env var a Nomad target uses (NOMAD_TOKEN unless it names another). */
export const nomadTokenEnv = (t: NomadTarget): string => t.tokenEnv ?? 'NOMAD_TOKEN';
