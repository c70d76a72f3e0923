/**
 * @module
 * The job kinds this agent can run. Anything else is refused: the agent executes only the typed
 * steps it ships with, whatever the server sends.
 */
import type { KindImpl } from './types';
import { connectivityCheckImpl } from './connectivity-check';
import { agentSelftestImpl, approvalSelftestImpl } from './selftest';

export const KIND_IMPLS: Record<string, KindImpl<never>> = {
  'connectivity-check': connectivityCheckImpl as KindImpl<never>,
  'agent-selftest': agentSelftestImpl as KindImpl<never>,
  'approval-selftest': approvalSelftestImpl as KindImpl<never>,
};
