/**
 * @module
 * Admin verbs on a job: approve or reject a step, cancel, retry. Each returns what the hub must be
 * told (`work`: agents may have something to claim; the job channel is always poked).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobApprovals, jobs, jobSteps } from '../../db/schema';
import type { ApprovalInfo, JobStatus } from '../../contracts';
import { WAITING_STEP_STATUSES } from '../../contracts/job-status';
import { AppError } from '../../errors';
import { newId } from '../../lib/crypto';
import { stepParamsHash } from './step-start';
import { isTerminalJobStatus } from '../../contracts/job-status';

export interface ActionResult {
  status: JobStatus;
  pokeWork: boolean;
}

async function lockJob(db: DbOrTx, id: string) {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, id)).for('update');
  if (!job) throw new AppError('NOT_FOUND', 'No such job.');
  return job;
}

export async function approveStep(db: DbOrTx, input: { jobId: string; step: number; approvedBy: string }): Promise<ActionResult & { approval: ApprovalInfo }> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, input.jobId);
    const [step] = await tx.select().from(jobSteps).where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.step)));
    if (!step) throw new AppError('BAD_REQUEST', `Job ${job.id} has no step ${input.step}.`, { issues: [{ path: 'step', message: 'no such step' }] });
    if (!step.needsApproval) throw new AppError('BAD_REQUEST', `Step ${input.step} does not need an approval.`, { issues: [{ path: 'step', message: 'step needs no approval' }] });
    if (isTerminalJobStatus(job.status)) throw new AppError('CONFLICT', `The job is ${job.status}; there is nothing to approve.`);
    const paramsHash = await stepParamsHash(job.kind, input.step, job.params);
    const inserted = await tx
      .insert(jobApprovals)
      .values({ id: newId('apr'), jobId: job.id, stepIndex: input.step, paramsHash, approvedBy: input.approvedBy })
      .onConflictDoNothing()
      .returning();
    const approval = inserted[0];
    if (!approval) throw new AppError('CONFLICT', `Step ${input.step} is already approved.`);
    let status = job.status;
    let pokeWork = false;
    if (job.status === 'awaiting_approval' && job.currentStep === input.step) {
      await tx.update(jobSteps).set({ status: 'pending' }).where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.step)));
      await tx.update(jobs).set({ status: 'queued', updatedAt: sql`now()` }).where(eq(jobs.id, job.id));
      status = 'queued';
      pokeWork = true;
    }
    return {
      status,
      pokeWork,
      approval: { stepIndex: approval.stepIndex, paramsHash, approvedBy: approval.approvedBy, approvedAt: approval.approvedAt.toISOString() },
    };
  });
}

/**
 * Rejects the step a job is waiting at: the job fails, saying who rejected it (and why, if they
 * said). Only a job stopped at that very gate can be rejected; an approved step cannot be.
 */
export async function rejectStep(db: DbOrTx, input: { jobId: string; step: number; rejectedBy: string; reason?: string | undefined }): Promise<ActionResult> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, input.jobId);
    const [step] = await tx.select().from(jobSteps).where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.step)));
    if (!step) throw new AppError('BAD_REQUEST', `Job ${job.id} has no step ${input.step}.`, { issues: [{ path: 'step', message: 'There is no such step.' }] });
    if (job.status !== 'awaiting_approval' || job.currentStep !== input.step) {
      throw new AppError('CONFLICT', isTerminalJobStatus(job.status) ? `The job is already ${job.status.replace(/_/g, ' ')}.` : `The job is not waiting for an approval of step ${input.step + 1}.`);
    }
    const reason = input.reason?.trim();
    const error = {
      code: 'REJECTED',
      message: `“${step.title}” was rejected by ${input.rejectedBy}${reason ? `: ${reason}` : '.'}`,
      rejectedBy: input.rejectedBy,
    };
    await tx.update(jobSteps).set({ status: 'failed', finishedAt: sql`now()`, error }).where(and(eq(jobSteps.jobId, job.id), eq(jobSteps.index, input.step)));
    await tx
      .update(jobSteps)
      .set({ status: 'cancelled' })
      .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.status, ['pending', 'awaiting_approval'])));
    await tx.update(jobs).set({ status: 'failed', error, finishedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(jobs.id, job.id));
    return { status: 'failed', pokeWork: false };
  });
}

export async function cancelJob(db: DbOrTx, jobId: string): Promise<ActionResult> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (job.status === 'queued' || job.status === 'awaiting_approval') {
      // Nobody holds it: cancel takes effect now.
      await tx
        .update(jobSteps)
        .set({ status: 'cancelled' })
        .where(and(eq(jobSteps.jobId, job.id), inArray(jobSteps.status, [...WAITING_STEP_STATUSES])));
      await tx
        .update(jobs)
        .set({ status: 'cancelled', cancelRequestedAt: sql`now()`, finishedAt: sql`now()`, updatedAt: sql`now()`, currentStep: null })
        .where(eq(jobs.id, job.id));
      return { status: 'cancelled', pokeWork: false };
    }
    if (job.status === 'claimed' || job.status === 'running') {
      if (!job.cancelRequestedAt) await tx.update(jobs).set({ cancelRequestedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(jobs.id, job.id));
      return { status: job.status, pokeWork: false };
    }
    throw new AppError('CONFLICT', `The job is already ${job.status}.`);
  });
}

export async function retryJob(db: DbOrTx, jobId: string): Promise<ActionResult> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (job.status !== 'failed' && job.status !== 'cancelled' && job.status !== 'needs_attention') {
      throw new AppError('CONFLICT', `Only failed, cancelled or needs-attention jobs can be retried; this one is ${job.status}.`);
    }
    // Steps that succeeded stay done; the rest run again on the next claim.
    await tx
      .update(jobSteps)
      .set({ status: 'pending', error: null, finishedAt: null })
      .where(and(eq(jobSteps.jobId, job.id), sql`${jobSteps.status} <> 'succeeded'`));
    await tx
      .update(jobs)
      .set({ status: 'queued', cancelRequestedAt: null, finishedAt: null, error: null, leaseToken: null, leaseExpiresAt: null, currentStep: null, updatedAt: sql`now()` })
      .where(eq(jobs.id, job.id));
    return { status: 'queued', pokeWork: true };
  });
}
