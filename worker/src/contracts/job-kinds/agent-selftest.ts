/**
 * @module
 * `agent-selftest`: a harmless kind that exercises the engine without touching any target — log
 * volume with progress, a non-idempotent step (resume → needs_attention), an uninterruptible step,
 * cancel of a running child process, and redaction of a secret param. Used by tests and the agent
 * benchmark.
 */
import { z } from 'zod';
import { defineJobKind } from './define';

export const AgentSelftestParams = z.strictObject({
  /** Log lines the `emit` step writes. */
  lines: z.number().int().min(0).max(100_000).default(10),
  /** Pause between lines, so log output spans time (log-loss tests). */
  lineDelayMs: z.number().int().min(0).max(1000).default(0),
  /** Milliseconds each step spends in a child `sleep` process (cancel reaches it). */
  emitMs: z.number().int().min(0).max(600_000).default(0),
  changeMs: z.number().int().min(0).max(600_000).default(0),
  settleMs: z.number().int().min(0).max(600_000).default(0),
  /** Printed by the `emit` step; must arrive redacted (it is a secret param). */
  secret: z.string().max(8192).optional(),
  /** Also print the secret as tools print secrets: base64, base64url, hex, percent- and JSON-escaped, upper-cased. */
  secretEncodings: z.boolean().optional(),
});
export type AgentSelftestParams = z.infer<typeof AgentSelftestParams>;

export const agentSelftest = defineJobKind({
  kind: 'agent-selftest',
  title: 'Agent self-test',
  description: 'Exercises the agent engine (logs, cancel, resume, redaction) without touching any host.',
  params: AgentSelftestParams,
  secretParams: ['secret'],
  steps: [
    { id: 'emit', title: 'Emit log lines', idempotency: 'idempotent' },
    { id: 'change', title: 'Simulated change', idempotency: 'non-idempotent' },
    { id: 'settle', title: 'Settle', idempotency: 'idempotent', uninterruptible: true },
  ],
  targets: () => ({}),
});
