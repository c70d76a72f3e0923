/**
 * @module `plex-to-kubernetes`: move a Plex Media Server from a Linux host (SSH) into Kubernetes (the
 * pms-docker chart's StatefulSet and config PVC) with one approval, streaming the data dir straight into a
 * helper pod and proving nothing was lost. The way back is `plex-to-kubernetes-rollback`.
 * Domain facts: /work/shared/docs/migrations.md.
 */
import { z } from 'zod';
import { defineJobKind } from './define';
import { AbsolutePath, PlexSource, PlexTarget, plexMoveTargets } from './plex-shared';
import { HttpBaseUrl } from './targets';

/** A directory name to leave out of the copy (one path component or a relative path, no wildcards but `*.ext`). */
const ExcludeName = z.string().min(1).max(255).regex(/^[^\0-\x1f\x7f/'"\\`$]+(?:\/[^\0-\x1f\x7f/'"\\`$]+)*$/, 'exclude must be a relative name without quotes, "$" or backslashes');
const KeyPath = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,15}$/, 'key path like spec.values.image.tag');
/** A Helm release name (DNS-1123 label, at most 53 characters). */
const HelmRelease = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,51}[a-z0-9])?$/, 'a Helm release name (lower-case letters, digits and -)');
/** A chart as `helm upgrade` takes it: repo/chart, an oci:// reference or a path on the agent host. */
const ChartRef = z.string().max(512).regex(/^[A-Za-z0-9_./][A-Za-z0-9_.\/:@+-]*$/, 'a chart reference like plex/plex-media-server, oci://… or a path');
const ChartVersion = z.string().regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]{1,64})?$/, 'a chart version like 1.5.0');
/** A Plex token (X-Plex-Token). */
export const PlexToken = z.string().regex(/^[A-Za-z0-9_.~-]{8,256}$/, 'a Plex token (letters, digits and _ . ~ -)');

export const PLEX_DEFAULT_EXCLUDES = ['Cache', 'Crash Reports', 'Diagnostics', 'Logs', 'Updates', 'Codecs'] as const;

/**
 * How the image tag is pinned to the source's version: `none` (only a warning when the running tag differs),
 * `yaml` — edit a values / HelmRelease YAML file on the agent host at `keyPath` (default
 * spec.values.image.tag), keeping comments and layout — or `helm` — `helm upgrade <release> <chart>
 * --reuse-values --set <keyPath>=<version>` (default key image.tag; chart version kept from the StatefulSet's
 * helm.sh/chart label unless given). `checkRegistry` asks the image's registry (Docker Registry HTTP API v2,
 * `registryUrl` for a mirror) whether the tag exists, before anything is touched; off, the job says it was
 * not checked. A flat object (not a union) so the admin's generated form can show it.
 */
export const VersionPin = z
  .strictObject({
    mode: z.enum(['none', 'yaml', 'helm']).default('none'),
    file: AbsolutePath.optional(),
    keyPath: KeyPath.optional(),
    release: HelmRelease.optional(),
    chart: ChartRef.optional(),
    chartVersion: ChartVersion.optional(),
    checkRegistry: z.boolean().default(false),
    registryUrl: HttpBaseUrl.optional(),
  })
  .refine((v) => v.mode !== 'yaml' || v.file !== undefined, { message: 'mode yaml needs the file to edit', path: ['file'] })
  .refine((v) => v.mode !== 'helm' || v.chart !== undefined, { message: 'mode helm needs the chart (e.g. plex/plex-media-server)', path: ['chart'] });
export type VersionPin = z.infer<typeof VersionPin>;

/**
 * Library folders after the move. Always: a per-library guide (old folder → new folder, Plex's documented
 * route). With a Plex token — the one stored in Settings (`useStoredPlexToken`: the worker adds it only to an
 * agent's claim) or `plexToken` (a secret param) — an approved step does that route through the Plex API in
 * the pod and checks that no item went missing.
 */
export const LibraryPaths = z.strictObject({
  useStoredPlexToken: z.boolean().default(false),
  plexToken: PlexToken.optional(),
  /** Longest wait for one library scan. */
  scanTimeoutSeconds: z.number().int().min(10).max(86_400).default(1800),
});
export type LibraryPaths = z.infer<typeof LibraryPaths>;

export const PlexToKubernetesParams = z.strictObject({
  source: PlexSource,
  target: PlexTarget,
  pathMap: z.array(z.strictObject({ from: AbsolutePath, to: AbsolutePath })).max(32).default([]),
  excludes: z.array(ExcludeName).max(64).default([...PLEX_DEFAULT_EXCLUDES]),
  skipBif: z.boolean().default(false),
  compress: z.boolean().default(false),
  versionPin: VersionPin.default({ mode: 'none', checkRegistry: false }),
  overwrite: z.enum(['refuse', 'move-aside']).default('refuse'),
  libraryPaths: LibraryPaths.default({ useStoredPlexToken: false, scanTimeoutSeconds: 1800 }),
});
export type PlexToKubernetesParams = z.infer<typeof PlexToKubernetesParams>;

/** Whether the library-paths step changes folders through the Plex API (a token is, or will be, there). */
export const libraryPathsThroughApi = (p: Pick<PlexToKubernetesParams, 'libraryPaths'>): boolean =>
  p.libraryPaths.useStoredPlexToken || p.libraryPaths.plexToken !== undefined;

export const plexToKubernetes = defineJobKind({
  kind: 'plex-to-kubernetes',
  title: 'Move Plex to Kubernetes',
  description:
    'Moves a Plex Media Server from a Linux host (SSH) into the pms-docker StatefulSet: checks the DB with Plex SQLite, ' +
    'stops and disables the source (approval), streams the data dir into the config PVC through a helper pod, starts ' +
    'Plex in Kubernetes at the same version and proves identity, record counts and watch history are unchanged. ' +
    'With a Plex token it also moves the library folders through the Plex API (a second approval).',
  params: PlexToKubernetesParams,
  secretParams: ['libraryPaths.plexToken'],
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
    // Waits for approval only when a Plex token is given (see `approvals`); otherwise it writes the guide.
    { id: 'library-paths', title: 'Library folders: the guide, or (with a Plex token) move them through the Plex API', needsApproval: true, idempotency: 'idempotent' },
    { id: 'report', title: 'Report', idempotency: 'idempotent' },
  ],
  targets: plexMoveTargets,
  approvals: (p) => ({ 'library-paths': libraryPathsThroughApi(p) }),
  claimSecrets: (p): Record<string, 'plex-token'> => (p.libraryPaths.useStoredPlexToken ? { 'libraryPaths.plexToken': 'plex-token' } : {}),
});
