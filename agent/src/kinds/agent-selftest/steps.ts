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
  const { secret } = ctx.params;
  if (secret !== undefined) ctx.log.line(`the secret param is: ${secret}`);
  if (secret !== undefined && ctx.params.secretEncodings) {
    const b = Buffer.from(secret, 'utf8');
    for (const [how, form] of [
      ['base64', b.toString('base64')],
      ['base64url', b.toString('base64url')],
      ['hex', b.toString('hex')],
      ['url', `https://example.invalid/?token=${encodeURIComponent(secret)}`],
      ['json', JSON.stringify({ data: { token: secret } })],
      ['upper', secret.toUpperCase()],
    ])
      ctx.log.line(`the secret param as ${how}: ${form}`);
  }
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
