/** @module `connectivity-check` on the agent: its steps, by the ids its declaration lists. */
import type { KindImpl } from '../types';
import { checkKubeNamespaces, checkNomadAddresses, checkSshHosts } from './steps';

export const connectivityCheckImpl: KindImpl<'connectivity-check'> = {
  steps: { ssh: checkSshHosts, kube: checkKubeNamespaces, nomad: checkNomadAddresses },
};
