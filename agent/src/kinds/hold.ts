/**
 * @module
 * Waiting in a real child process (`sleep`), for the self-test kinds: cancel, grace and SIGKILL
 * then reach a real process group, as they do for real work.
 */
import { runProcess } from '../executors/process';
import type { ExecContext } from '../executors/types';
import { StepFailure } from './types';

export async function holdInChild(ctx: ExecContext, ms: number): Promise<void> {
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
