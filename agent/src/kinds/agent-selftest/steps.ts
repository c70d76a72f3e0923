/** @module `agent-selftest` steps: touch no target, exercise logs, progress, cancel, resume and redaction. */
import type { AgentSelftestParams } from '../../../../worker/src/contracts/job-kinds';
import { sleep } from '../../backoff';
import { holdInChild } from '../hold';
import { StepFailure, type StepContext, type StepOutcome } from '../types';

type Ctx = StepContext<AgentSelftestParams>;

export async function emitLines(ctx: Ctx): Promise<StepOutcome> {
  const n = ctx.params.lines;
  for (let i = 1; i <= n; i++) {
    ctx.log.line(`selftest line ${i}/${n}`);
    ctx.progress({ done: i, total: n, unit: 'items' });
    if (ctx.params.lineDelayMs > 0 && !ctx.dryRun) {
      await sleep(ctx.params.lineDelayMs, ctx.signal);
      if (ctx.signal.aborted) throw new StepFailure('cancelled', 'CANCELLED');
    }
  }
  if (ctx.params.secret !== undefined) ctx.log.line(`the secret param is: ${ctx.params.secret}`);
  await holdInChild(ctx, ctx.params.emitMs);
  return { outputs: { lines: n } };
}

export async function simulateChange(ctx: Ctx): Promise<StepOutcome> {
  ctx.log.line('simulated non-idempotent change');
  await holdInChild(ctx, ctx.params.changeMs);
  return {};
}

export async function settle(ctx: Ctx): Promise<StepOutcome> {
  ctx.log.line('settling (uninterruptible)');
  await holdInChild(ctx, ctx.params.settleMs);
  return {};
}
