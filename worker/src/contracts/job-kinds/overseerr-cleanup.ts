/**
 * @module `overseerr-cleanup`: after the move has been healthy long enough (default 24 h, as the runbook waits),
 * remove the old container and its docker-compose entry. Refuses earlier.
 */
import { z } from 'zod';
import { defineJobKind } from './define';
import { AbsPath, DockerName, NomadId } from './overseerr-shared';
import { NomadTarget, SshTarget, nomadTokenEnv } from './targets';

export const OverseerrCleanupParams = z.strictObject({
  dockerHost: SshTarget,
  container: DockerName.default('overseerr'),
  /** The compose file with the service entry to remove (default: the container's compose label). */
  composeFile: AbsPath.optional(),
  composeService: DockerName.default('overseerr'),
  nomad: NomadTarget,
  jobName: NomadId.default('overseerr'),
  /** How long the Nomad job must have been healthy first. */
  minHealthyHours: z.number().min(0).max(24 * 90).default(24),
});
export type OverseerrCleanupParams = z.infer<typeof OverseerrCleanupParams>;

export const overseerrCleanup = defineJobKind({
  kind: 'overseerr-cleanup',
  title: 'Clean up the old Overseerr container',
  description: 'Once the Nomad job has been healthy for the waiting period, removes the old docker container and its compose entry.',
  params: OverseerrCleanupParams,
  steps: [
    { id: 'check-age', title: 'Check the Nomad job has been healthy long enough', idempotency: 'idempotent' },
    { id: 'remove', title: 'Remove the container and its compose entry', needsApproval: true, idempotency: 'idempotent' },
  ],
  targets: (p) => ({ ssh: [p.dockerHost], nomad: [p.nomad] }),
  secretEnv: (p) => [nomadTokenEnv(p.nomad)],
});
