/**
 * @module
 * Param schemas shared by the Plex move kinds (`plex-to-kubernetes` and its rollback): the source host (SSH,
 * the Plex service and data dir) and the Kubernetes target (namespace, the pms-docker StatefulSet and its
 * config PVC). Like targets.ts, every string here reaches a shell script, an argv or a path on the agent's
 * side, so each is strict.
 */
import { z } from 'zod';
import { KubeContext, KubeName, KubeNamespace, Port, SshHost, SshUser } from './targets';

/** An absolute POSIX path without control characters, `..` segments or a trailing slash. */
export const AbsolutePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => p.startsWith('/') && !/[\0-\x1f\x7f]/.test(p) && !p.split('/').includes('..') && (p === '/' || !p.endsWith('/')), {
    message: 'must be an absolute path without control characters, ".." or a trailing "/"',
  });
const ServiceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'service must be a systemd unit name');

export const PlexSource = z.strictObject({
  host: SshHost,
  user: SshUser.optional(),
  port: Port.optional(),
  sudo: z.enum(['none', 'sudo-n']).default('none'),
  /** "Application Support" directory; detected (systemd override, else the Ubuntu default) when unset. */
  appSupportDir: AbsolutePath.optional(),
  service: ServiceName.default('plexmediaserver'),
});
export type PlexSource = z.infer<typeof PlexSource>;

export const PlexTarget = z.strictObject({
  context: KubeContext.optional(),
  namespace: KubeNamespace,
  /** The Plex StatefulSet; detected by the pms-docker chart's labels or image when unset. */
  statefulSet: KubeName.optional(),
  /** The config PVC; from the StatefulSet's configExistingClaim volume or volumeClaimTemplates when unset. */
  pvc: KubeName.optional(),
  configMountPath: AbsolutePath.default('/config'),
  plexUid: z.number().int().min(0).max(2_147_483_647).default(1000),
  plexGid: z.number().int().min(0).max(2_147_483_647).default(1000),
});
export type PlexTarget = z.infer<typeof PlexTarget>;

/** The targets both kinds touch: the source over SSH and the target namespace. */
export function plexMoveTargets(p: { source: PlexSource; target: Pick<PlexTarget, 'context' | 'namespace'> }) {
  return {
    ssh: [{ host: p.source.host, ...(p.source.user ? { user: p.source.user } : {}), ...(p.source.port ? { port: p.source.port } : {}) }],
    kube: [{ ...(p.target.context ? { context: p.target.context } : {}), namespace: p.target.namespace }],
  };
}
