/** @module `nomad-failover-drill`: drain the node running a job's allocation, wait for it elsewhere and healthy, check, undrain. */
import { z } from 'zod';
import { defineJobKind } from './define';
import { NomadId } from './overseerr-shared';
import { NomadTarget, nomadTokenEnv } from './targets';

export const NomadFailoverDrillParams = z.strictObject({
  nomad: NomadTarget,
  jobName: NomadId.default('overseerr'),
  serviceName: NomadId.default('overseerr'),
  /** Path checked on the service after the move. */
  statusPath: z.string().regex(/^\/[A-Za-z0-9_./-]{0,255}$/).default('/api/v1/status'),
  timeoutSeconds: z.number().int().min(10).max(3600).default(600),
});
export type NomadFailoverDrillParams = z.infer<typeof NomadFailoverDrillParams>;

export const nomadFailoverDrill = defineJobKind({
  kind: 'nomad-failover-drill',
  title: 'Nomad failover drill',
  description: 'Drains the node running the job\'s allocation, waits for the replacement to be healthy on another node, checks the service, then makes the node eligible again.',
  params: NomadFailoverDrillParams,
  steps: [
    { id: 'drain', title: 'Drain the node running the allocation', needsApproval: true, idempotency: 'non-idempotent' },
    { id: 'wait', title: 'Wait for the replacement to be healthy', idempotency: 'idempotent' },
    { id: 'check', title: 'Check the service', idempotency: 'idempotent' },
    { id: 'undrain', title: 'Make the node eligible again', idempotency: 'idempotent' },
  ],
  targets: (p) => ({ nomad: [p.nomad] }),
  secretEnv: (p) => [nomadTokenEnv(p.nomad)],
});
