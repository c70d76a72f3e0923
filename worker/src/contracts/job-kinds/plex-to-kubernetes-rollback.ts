/**
 * @module `plex-to-kubernetes-rollback`: the way back from a Plex move — scale the Plex StatefulSet to 0 (and
 * remove a migration helper pod left on the config PVC), re-enable and start Plex on the source host, and
 * require its /identity to answer with the original machineIdentifier.
 */
import { z } from 'zod';
import { defineJobKind } from './define';
import { PlexSource, PlexTarget, plexMoveTargets } from './plex-shared';

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
  targets: plexMoveTargets,
});
