/**
 * @module
 * Row → wire shapes for jobs, shared by the agent protocol and the admin API.
 */
import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobApprovals, jobSteps } from '../../db/schema';
import type { ApprovalInfo } from '../../contracts';

export type StepRow = typeof jobSteps.$inferSelect;

export async function loadSteps(db: DbOrTx, jobId: string): Promise<StepRow[]> {
  return db.select().from(jobSteps).where(eq(jobSteps.jobId, jobId)).orderBy(asc(jobSteps.index));
}

export async function loadApprovals(db: DbOrTx, jobId: string): Promise<ApprovalInfo[]> {
  const rows = await db.select().from(jobApprovals).where(eq(jobApprovals.jobId, jobId)).orderBy(asc(jobApprovals.approvedAt));
  return rows.map((a) => ({ stepIndex: a.stepIndex, paramsHash: a.paramsHash, approvedBy: a.approvedBy, approvedAt: a.approvedAt.toISOString() }));
}

export const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
