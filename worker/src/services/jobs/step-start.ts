/**
 * @module
 * Step start: the gate where cancel and approvals bite. A step that needs approval starts only
 * if an approval exists for (job, step, sha256 of the step's approval payload); otherwise the
 * job releases its lease and waits (awaiting_approval) until an admin approves, after which it
 * is queued and claimed afresh.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobApprovals, jobs, jobSteps } from '../../db/schema';
import { stepApprovalPayload, type StepStartResponse } from '../../contracts';
import { AppError } from '../../errors';
import { sha256Hex } from '../../lib/crypto';
import { leaseLost, withLease } from './lease';
import { loadSteps } from './views';

export async function stepParamsHash(kind: string, stepIndex: number, params: unknown): Promise<string> {
  return sha256Hex(stepApprovalPayload(kind, stepIndex, params));
}

export async function startStep(
  db: DbOrTx,
  input: { jobId: string; agentId: string; leaseToken: string; attempt: number; index: number },
): Promise<StepStartResponse> {
  return withLease(db, input, async (tx, job) => {
    if (input.attempt !== job.attempt) throw leaseLost(`Attempt ${input.attempt} is not the current claim (${job.attempt})`);
    const steps = await loadSteps(tx, job.id);
    const step = steps[input.index];
    if (!step) throw new AppError('NOT_FOUND', `Job ${job.id} has no step ${input.index}.`);
    if (job.cancelRequestedAt) return { status: 'cancelled', cancelRequested: true };
    if (step.status === 'running' && step.attempt === input.attempt) return { status: 'ok', cancelRequested: false };
    if (step.status !== 'pending' && step.status !== 'awaiting_approval') {
      throw new AppError('CONFLICT', `Step ${input.index} is ${step.status}; it cannot start again.`);
    }
    const blocker = steps.slice(0, input.index).find((s) => s.status !== 'succeeded');
    if (blocker) throw new AppError('CONFLICT', `Step ${blocker.index} (${blocker.stepId}) has not succeeded yet.`);

    if (step.needsApproval) {
      const hash = await stepParamsHash(job.kind, input.index, job.params);
      const [approval] = await tx
        .select({ id: jobApprovals.id })
        .from(jobApprovals)
        .where(and(eq(jobApprovals.jobId, job.id), eq(jobApprovals.stepIndex, input.index), eq(jobApprovals.paramsHash, hash)));
      if (!approval) {
        await tx.update(jobSteps).set({ status: 'awaiting_approval' }).where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.index)));
        await tx
          .update(jobs)
          .set({ status: 'awaiting_approval', leaseToken: null, leaseExpiresAt: null, currentStep: input.index, updatedAt: sql`now()` })
          .where(eq(jobs.id, job.id));
        await tx.update(agents).set({ currentJobId: null }).where(eq(agents.id, input.agentId));
        return { status: 'awaiting_approval', cancelRequested: false };
      }
    }
    await tx
      .update(jobSteps)
      .set({ status: 'running', attempts: sql`${jobSteps.attempts} + 1`, attempt: input.attempt, startedAt: sql`now()`, finishedAt: null, error: null })
      .where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.index)));
    await tx
      .update(jobs)
      .set({ status: 'running', currentStep: input.index, startedAt: sql`coalesce(${jobs.startedAt}, now())`, updatedAt: sql`now()` })
      .where(eq(jobs.id, job.id));
    return { status: 'ok', cancelRequested: false };
  });
}
