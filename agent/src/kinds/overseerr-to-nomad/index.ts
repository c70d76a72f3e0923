/** @module `overseerr-to-nomad` on the agent: docker-host steps (steps-host.ts), Nomad steps (steps-nomad.ts). */
import type { KindImpl } from '../types';
import { backup, inventory, preflight, seedReplica, stop } from './steps-host';
import { deploy, report, settings, verify, volume } from './steps-nomad';

export const overseerrToNomadImpl: KindImpl<'overseerr-to-nomad'> = {
  steps: { preflight, inventory, backup, stop, 'seed-replica': seedReplica, volume, settings, deploy, verify, report },
};
