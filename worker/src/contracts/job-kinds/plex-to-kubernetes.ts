/**
 * @module `plex-to-kubernetes` and `plex-to-kubernetes-rollback`: move a Plex Media Server from a Linux host
 * (SSH) into Kubernetes (the pms-docker chart's StatefulSet and config PVC) with one approval, streaming the
 * data dir straight into a helper pod and proving nothing was lost; and the way back.
 * Domain facts: /work/shared/docs/migrations.md.
 */
import { z } from 'zod';
import { defineJobKind } from './define';
import { KubeContext, KubeName, KubeNamespace, Port, SshHost, SshUser } from './targets';

/** An absolute POSIX path without control characters, `..` segments or a trailing slash. */
export const AbsolutePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => p.startsWith('/') && !/[\0-\x1f\x7f]/.test(p) && !p.split('/').includes('..') && (p === '/' || !p.endsWith('/')), {
    message: 'must be an absolute path without control characters, ".." or a trailing "/"',
  });
/** A directory name to leave out of the copy (one path component or a relative path, no wildcards but `*.ext`). */
const ExcludeName = z.string().min(1).max(255).regex(/^[^\0-\x1f\x7f/'"\\`$]+(?:\/[^\0-\x1f\x7f/'"\\`$]+)*$/, 'exclude must be a relative name without quotes, "$" or backslashes');
const ServiceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'service must be a systemd unit name');

export const PLEX_DEFAULT_EXCLUDES = ['Cache', 'Crash Reports', 'Diagnostics', 'Logs', 'Updates', 'Codecs'] as const;

export const PlexSource = z.strictObject({
  host: SshHost,
  user: SshUser.optional(),
  port: Port.optional(),
  sudo: z.enum(['none', 'sudo-n']).default('none'),
  /** "Application Support" directory; detected (systemd override, else the Ubuntu default) when unset. */
  appSupportDir: AbsolutePath.optional(),
  service: ServiceName.default('plexmediaserver'),
});

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

/**
 * How the image tag is pinned to the source's version: `none` (only a warning when the running tag differs), or
 * `yaml` — edit a values / HelmRelease YAML file on the agent host at `keyPath`, keeping comments and layout.
 * A flat object (not a union) so the admin's generated form can show it.
 */
export const VersionPin = z
  .strictObject({
    mode: z.enum(['none', 'yaml']).default('none'),
    file: AbsolutePath.optional(),
    keyPath: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$/, 'key path like spec.values.image.tag').default('spec.values.image.tag'),
  })
  .refine((v) => v.mode !== 'yaml' || v.file !== undefined, { message: 'mode yaml needs the file to edit', path: ['file'] });

export const PlexToKubernetesParams = z.strictObject({
  source: PlexSource,
  target: PlexTarget,
  pathMap: z.array(z.strictObject({ from: AbsolutePath, to: AbsolutePath })).max(32).default([]),
  excludes: z.array(ExcludeName).max(64).default([...PLEX_DEFAULT_EXCLUDES]),
  skipBif: z.boolean().default(false),
  compress: z.boolean().default(false),
  versionPin: VersionPin.default({ mode: 'none', keyPath: 'spec.values.image.tag' }),
  overwrite: z.enum(['refuse', 'move-aside']).default('refuse'),
});
export type PlexToKubernetesParams = z.infer<typeof PlexToKubernetesParams>;

export const plexToKubernetes = defineJobKind({
  kind: 'plex-to-kubernetes',
  title: 'Move Plex to Kubernetes',
  description:
    'Moves a Plex Media Server from a Linux host (SSH) into the pms-docker StatefulSet: checks the DB with Plex SQLite, ' +
    'stops and disables the source (approval), streams the data dir into the config PVC through a helper pod, starts ' +
    'Plex in Kubernetes at the same version and proves identity, record counts and watch history are unchanged.',
  params: PlexToKubernetesParams,
  steps: [
    { id: 'preflight', title: 'Preflight: SSH, data dir, StatefulSet, PVC, space', idempotency: 'idempotent' },
    { id: 'inventory', title: 'Detect version and identity; inventory files; measure the link', idempotency: 'idempotent' },
    { id: 'integrity', title: 'Check the DB with Plex SQLite; count records', idempotency: 'idempotent' },
    { id: 'stop-source', title: 'Stop and disable Plex on the source; back up the DB', needsApproval: true, idempotency: 'idempotent' },
    { id: 'prepare-target', title: 'Scale the StatefulSet to 0; start a helper pod on the config PVC', idempotency: 'idempotent' },
    { id: 'transfer', title: 'Stream the data dir into the PVC and compare manifests', idempotency: 'idempotent' },
    { id: 'ownership', title: 'Give the files to the plex user; remove the helper pod', idempotency: 'idempotent' },
    { id: 'pin-version', title: 'Pin the image tag to the source version', idempotency: 'idempotent' },
    { id: 'start-target', title: 'Start Plex in Kubernetes; check /identity', idempotency: 'idempotent' },
    { id: 'verify', title: 'Verify DB, counts, watch history and media paths', idempotency: 'idempotent' },
    { id: 'library-paths', title: 'Write the library folder guide', idempotency: 'idempotent' },
    { id: 'report', title: 'Report', idempotency: 'idempotent' },
  ],
  targets: (p) => ({
    ssh: [{ host: p.source.host, ...(p.source.user ? { user: p.source.user } : {}), ...(p.source.port ? { port: p.source.port } : {}) }],
    kube: [{ ...(p.target.context ? { context: p.target.context } : {}), namespace: p.target.namespace }],
  }),
});

export const PlexToKubernetesRollbackParams = z.strictObject({
  source: PlexSource,
  target: PlexTarget.pick({ context: true, namespace: true, statefulSet: true }),
  /** The machineIdentifier the source must answer with (from the migration's report). */
  machineIdentifier: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-character hex machineIdentifier').optional(),
});
export type PlexToKubernetesRollbackParams = z.infer<typeof PlexToKubernetesRollbackParams>;

export const plexToKubernetesRollback = defineJobKind({
  kind: 'plex-to-kubernetes-rollback',
  title: 'Roll back a Plex move to Kubernetes',
  description: 'Scales the Plex StatefulSet to 0, re-enables and starts Plex on the source host, and checks /identity answers there with the original machineIdentifier.',
  params: PlexToKubernetesRollbackParams,
  steps: [
    { id: 'stop-target', title: 'Scale the Plex StatefulSet to 0', needsApproval: true, idempotency: 'idempotent' },
    { id: 'start-source', title: 'Enable and start Plex on the source', idempotency: 'idempotent' },
    { id: 'confirm', title: 'Check /identity on the source', idempotency: 'idempotent' },
  ],
  targets: (p) => ({
    ssh: [{ host: p.source.host, ...(p.source.user ? { user: p.source.user } : {}), ...(p.source.port ? { port: p.source.port } : {}) }],
    kube: [{ ...(p.target.context ? { context: p.target.context } : {}), namespace: p.target.namespace }],
  }),
});
