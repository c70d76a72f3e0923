/**
 * @module
 * `overseerr-to-nomad` on the agent. The step order puts everything that can run while Overseerr
 * still serves before the approval, so the downtime holds only what must follow the stop:
 *
 *   before the approval (Overseerr running)      steps-prepare.ts, steps-nomad.ts, steps-replica.ts
 *     preflight → inventory → backup → volume → plan (rendered job + diff logged) →
 *     seed-replica (Litestream replicates the LIVE DB; test restore)
 *   approval: stop — the downtime starts               steps-replica.ts
 *     stop (docker stop; the live seed's final sync catches the replica up; checkpoint,
 *     integrity, counts) → check-replica (a restored copy has the stopped DB's counts) →
 *   settings → deploy (register the planned job; until Overseerr answers)   steps-nomad.ts
 *   verify — the downtime ends → settle (deployment successful, sidecar replicating) → report
 *                                                      steps-verify.ts
 */
import type { KindImpl } from '../types';
import { backup, inventory, preflight } from './steps-prepare';
import { checkReplica, seedReplica, stop } from './steps-replica';
import { deploy, plan, settings, volume } from './steps-nomad';
import { report, settle, verify } from './steps-verify';

export const overseerrToNomadImpl: KindImpl<'overseerr-to-nomad'> = {
  steps: { preflight, inventory, backup, volume, plan, 'seed-replica': seedReplica, stop, 'check-replica': checkReplica, settings, deploy, verify, settle, report },
};
