/** @module `connectivity-check`: can the agent reach each SSH host, Kubernetes namespace and Nomad address? */
import { z } from 'zod';
import { defineJobKind } from './define';
import { KubeTarget, MAX_TARGETS, NomadTarget, SshTarget, nomadTokenEnv } from './targets';

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

export const connectivityCheck = defineJobKind({
  kind: 'connectivity-check',
  title: 'Connectivity check',
  description:
    'Checks that the agent can reach each SSH host (uname -a), Kubernetes namespace (server version and ' +
    'namespace access) and Nomad address (leader and version). Run it first after enrolling an agent.',
  readOnly: true,
  params: ConnectivityCheckParams,
  steps: [
    { id: 'ssh', title: 'Check SSH hosts', idempotency: 'idempotent' },
    { id: 'kube', title: 'Check Kubernetes namespaces', idempotency: 'idempotent' },
    { id: 'nomad', title: 'Check Nomad addresses', idempotency: 'idempotent' },
  ],
  targets: (p) => ({ ssh: p.ssh, kube: p.kube, nomad: p.nomad }),
  secretEnv: (p) => p.nomad.map(nomadTokenEnv),
});
