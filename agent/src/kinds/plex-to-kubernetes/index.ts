/** @module `plex-to-kubernetes` on the agent: its steps, by the ids its declaration lists. */
import type { KindImpl } from '../types';
import { integrity, inventory, preflight } from './detect';
import { report, startTarget, verify } from './finish';
import { libraryPaths } from './library-paths';
import { pinVersion } from './pin';
import { ownership, prepareTarget, stopSource, transfer } from './move';

export const plexToKubernetesImpl: KindImpl<'plex-to-kubernetes'> = {
  steps: {
    preflight,
    inventory,
    integrity,
    'stop-source': stopSource,
    'prepare-target': prepareTarget,
    transfer,
    ownership,
    'pin-version': pinVersion,
    'start-target': startTarget,
    verify,
    'library-paths': libraryPaths,
    report,
  },
};
