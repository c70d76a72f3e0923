/** @module `approval-selftest`: a no-op step behind an approval gate, for approval tests and demos. */
import { z } from 'zod';
import { defineJobKind } from './define';

export const ApprovalSelftestParams = z.strictObject({
  note: z.string().max(500).default(''),
  applyMs: z.number().int().min(0).max(600_000).default(0),
});
export type ApprovalSelftestParams = z.infer<typeof ApprovalSelftestParams>;

export const approvalSelftest = defineJobKind({
  kind: 'approval-selftest',
  title: 'Approval self-test',
  description: 'A no-op step behind an approval gate, to try approvals without touching any host.',
  params: ApprovalSelftestParams,
  steps: [
    { id: 'prepare', title: 'Prepare', idempotency: 'idempotent' },
    { id: 'apply', title: 'Apply (needs approval)', needsApproval: true, idempotency: 'non-idempotent' },
  ],
  targets: () => ({}),
});
