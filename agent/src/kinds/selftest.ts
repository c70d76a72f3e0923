/**
 * @module
 * `agent-selftest` and `approval-selftest`: touch no target, exercise the engine. Waiting is done
 * in a real child process (`sleep`) so cancel, grace and SIGKILL are exercised for real.
 */
import type { AgentSelftestParams, ApprovalSelftestParams } from '../../../worker/src/contracts/job-kinds';
import { runProcess } from '../executors/process';
import type { ExecContext } from '../executors/types';
import { StepFailure, type KindImpl } from './types';

async function hold(ctx: ExecContext, ms: number): Promise<void> {
  if (ms <= 0) return;
  const r = await runProcess({
    argv: ['sleep', (ms / 1000).toFixed(3)],
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    dryRun: ctx.dryRun,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawn ? { onSpawn: ctx.onSpawn } : {}),
  });
  if (r.cancelled) throw new StepFailure('cancelled', 'CANCELLED');
  if (r.code !== 0) throw new StepFailure(r.spawnError ?? `sleep exited with ${r.code ?? r.signal}`);
}

export const agentSelftestImpl: KindImpl<AgentSelftestParams> = {
  preflight: () => [],
  steps: {
    async emit(ctx) {
      const n = ctx.params.lines;
      for (let i = 1; i <= n; i++) {
        ctx.log.line(`selftest line ${i}/${n}`);
        if (ctx.params.lineDelayMs > 0 && !ctx.dryRun) {
          await new Promise((r) => setTimeout(r, ctx.params.lineDelayMs));
          if (ctx.signal?.aborted) throw new StepFailure('cancelled', 'CANCELLED');
        }
      }
      if (ctx.params.secret !== undefined) ctx.log.line(`the secret param is: ${ctx.params.secret}`);
      await hold(ctx, ctx.params.emitMs);
      return { outputs: { lines: n } };
    },
    async change(ctx) {
      ctx.log.line('simulated non-idempotent change');
      await hold(ctx, ctx.params.changeMs);
      return {};
    },
    async settle(ctx) {
      ctx.log.line('settling (uninterruptible)');
      await hold(ctx, ctx.params.settleMs);
      return {};
    },
  },
};

export const approvalSelftestImpl: KindImpl<ApprovalSelftestParams> = {
  preflight: () => [],
  steps: {
    async prepare(ctx) {
      ctx.log.line(`prepared${ctx.params.note ? `: ${ctx.params.note}` : ''}`);
      return {};
    },
    async apply(ctx) {
      ctx.log.line('applying (approved)');
      await hold(ctx, ctx.params.applyMs);
      return {};
    },
  },
};
