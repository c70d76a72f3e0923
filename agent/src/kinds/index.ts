/**
 * @module
 * The job kinds this agent can run: one implementation per kind declared in
 * worker/src/contracts/job-kinds/ (the type makes a missing kind or step a compile error).
 * Anything else the server sends is refused: the agent executes only the typed steps it ships with.
 */
import type { JobKindName } from '../../../worker/src/contracts/job-kinds';
import { agentSelftestImpl } from './agent-selftest/index';
import { approvalSelftestImpl } from './approval-selftest/index';
import { connectivityCheckImpl } from './connectivity-check/index';
import { nomadFailoverDrillImpl } from './nomad-failover-drill/index';
import { overseerrCleanupImpl } from './overseerr-cleanup/index';
import { overseerrToNomadImpl } from './overseerr-to-nomad/index';
import { overseerrRollbackImpl } from './overseerr-to-nomad-rollback/index';
import { plexToKubernetesImpl } from './plex-to-kubernetes/index';
import { plexToKubernetesRollbackImpl } from './plex-to-kubernetes-rollback/index';
import type { KindImpl, KindImpls, StepHandler } from './types';

export const KIND_IMPLS = {
  'connectivity-check': connectivityCheckImpl,
  'plex-to-kubernetes': plexToKubernetesImpl,
  'plex-to-kubernetes-rollback': plexToKubernetesRollbackImpl,
  'agent-selftest': agentSelftestImpl,
  'approval-selftest': approvalSelftestImpl,
  'overseerr-to-nomad': overseerrToNomadImpl,
  'overseerr-to-nomad-rollback': overseerrRollbackImpl,
  'overseerr-cleanup': overseerrCleanupImpl,
  'nomad-failover-drill': nomadFailoverDrillImpl,
} as const satisfies KindImpls;

/** The handler of `stepId` in `kind`, looked up by name (for the runner, which works on any kind). */
export function stepHandler(kind: string, stepId: string): StepHandler<unknown> | undefined {
  if (!Object.hasOwn(KIND_IMPLS, kind)) return undefined;
  const steps = (KIND_IMPLS[kind as JobKindName] as KindImpl<JobKindName>).steps as Record<string, StepHandler<unknown> | undefined>;
  return Object.hasOwn(steps, stepId) ? steps[stepId] : undefined;
}

export function hasKindImpl(kind: string): boolean {
  return Object.hasOwn(KIND_IMPLS, kind);
}
