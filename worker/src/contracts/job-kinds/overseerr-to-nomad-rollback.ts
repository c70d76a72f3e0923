/** @module `overseerr-to-nomad-rollback`: stop the Nomad job (no purge) and start the docker container again. */
import { z } from 'zod';
import { defineJobKind } from './define';
import { AbsPath, DockerName, NomadId } from './overseerr-shared';
import { HttpBaseUrl, NomadTarget, SshTarget, nomadTokenEnv } from './targets';

export const OverseerrRollbackParams = z.strictObject({
  dockerHost: SshTarget,
  container: DockerName.default('overseerr'),
  overseerrUrl: HttpBaseUrl.optional(),
  nomad: NomadTarget,
  jobName: NomadId.default('overseerr'),
  /** The move's backupDir: a live seed the move left running (cancelled at its approval) is stopped from there. */
  backupDir: AbsPath.default('/var/backups/plexops'),
});
export type OverseerrRollbackParams = z.infer<typeof OverseerrRollbackParams>;

export const overseerrToNomadRollback = defineJobKind({
  kind: 'overseerr-to-nomad-rollback',
  title: 'Roll back Overseerr to docker',
  description: 'Stops the Overseerr Nomad job (without purging it) and any Litestream live seed the move left running, starts the docker container again and checks /api/v1/status there.',
  params: OverseerrRollbackParams,
  steps: [
    { id: 'stop-nomad', title: 'Stop the Nomad job (no purge)', needsApproval: true, idempotency: 'idempotent' },
    { id: 'start-docker', title: 'Start the docker container', idempotency: 'idempotent' },
    { id: 'check', title: 'Check /api/v1/status on docker', idempotency: 'idempotent' },
  ],
  targets: (p) => ({ ssh: [p.dockerHost], nomad: [p.nomad] }),
  secretEnv: (p) => [nomadTokenEnv(p.nomad)],
});
