/** @module Step finish, idempotent on (job, step, attempt): a resent finish changes nothing. */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobs, jobSteps } from '../../db/schema';
import type { StepFinishRequest, StepFinishResponse } from '../../contracts';
import { AppError } from '../../errors';
import { leaseLost, withLease } from './lease';

export async function finishStep(
  db: DbOrTx,
  input: { jobId: string; agentId: string; index: number } & StepFinishRequest,
): Promise<StepFinishResponse> {
  return withLease(db, input, async (tx, job) => {
    if (input.attempt !== job.attempt) throw leaseLost(`Attempt ${input.attempt} is not the current claim (${job.attempt})`);
    const [step] = await tx.select().from(jobSteps).where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.index)));
    if (!step) throw new AppError('NOT_FOUND', `Job ${job.id} has no step ${input.index}.`);
    const cancelRequested = job.cancelRequestedAt !== null;
    if (step.attempt === input.attempt && (step.status === 'succeeded' || step.status === 'failed')) return { ok: true, cancelRequested };
    if (step.status !== 'running' || step.attempt !== input.attempt) {
      throw new AppError('CONFLICT', `Step ${input.index} was not started in attempt ${input.attempt}.`);
    }
    await tx
      .update(jobSteps)
      .set({ status: input.status, outputs: input.outputs ?? null, error: input.error ?? null, finishedAt: sql`now()` })
      .where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.index)));
    await tx.update(jobs).set({ updatedAt: sql`now()` }).where(eq(jobs.id, job.id));
    return { ok: true, cancelRequested };
  });
}
