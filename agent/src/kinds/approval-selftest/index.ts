/** @module `approval-selftest` on the agent: a prepare step, then one behind the approval gate. */
import type { ApprovalSelftestParams } from '../../../../worker/src/contracts/job-kinds';
import { holdInChild } from '../hold';
import type { KindImpl, StepContext } from '../types';

export const approvalSelftestImpl: KindImpl<'approval-selftest'> = {
  steps: {
    async prepare(ctx: StepContext<ApprovalSelftestParams>) {
      ctx.log.line(`prepared${ctx.params.note ? `: ${ctx.params.note}` : ''}`);
      return {};
    },
    async apply(ctx: StepContext<ApprovalSelftestParams>) {
      ctx.log.line('applying (approved)');
      await holdInChild(ctx, ctx.params.applyMs);
      return {};
    },
  },
};
