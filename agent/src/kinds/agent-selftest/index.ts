/** @module `agent-selftest` on the agent. */
import type { KindImpl } from '../types';
import { emitLines, settle, simulateChange } from './steps';

export const agentSelftestImpl: KindImpl<'agent-selftest'> = {
  steps: { emit: emitLines, change: simulateChange, settle },
};
