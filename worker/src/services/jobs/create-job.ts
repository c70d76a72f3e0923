/**
 * @module
 * Job creation: params validated by the kind's schema, steps copied from the kind. A preview (dry
 * run) is a job like any other whose steps ask no approval; `runForReal` makes the real job from a
 * preview's stored params (secret params included, which the admin never sees back).
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { jobs, jobSteps } from '../../db/schema';
import { getJobKind, parseJobParams } from '../../contracts';
import { summaryOf } from '../../contracts/issues';
import { AppError } from '../../errors';
import { newId } from '../../lib/crypto';

export async function createJob(db: DbOrTx, input: { kind: string; params: unknown; tags: string[]; createdBy: string; dryRun?: boolean }): Promise<{ id: string }> {
  const parsed = parseJobParams(input.kind, input.params);
  if (!parsed.ok) throw new AppError('BAD_REQUEST', summaryOf(parsed.issues, 'The job is not valid.'), { issues: parsed.issues.slice(0, 20) });
  const def = getJobKind(input.kind)!;
  const id = newId('job');
  const dryRun = input.dryRun ?? false;
  await db.transaction(async (tx) => {
    await tx.insert(jobs).values({ id, kind: def.kind, params: parsed.params, tags: [...new Set(input.tags)].sort(), createdBy: input.createdBy, dryRun });
    await tx.insert(jobSteps).values(
      def.steps.map((s, index) => ({ jobId: id, index, stepId: s.id, title: s.title, needsApproval: !dryRun && def.stepNeedsApproval(index, parsed.params), idempotency: s.idempotency })),
    );
  });
  return { id };
}

/** The real job a preview showed: same kind, params and tags, approvals asked as usual. */
export async function runForReal(db: DbOrTx, previewId: string, createdBy: string): Promise<{ id: string }> {
  const [preview] = await db.select({ kind: jobs.kind, params: jobs.params, tags: jobs.tags, dryRun: jobs.dryRun }).from(jobs).where(eq(jobs.id, previewId));
  if (!preview) throw new AppError('NOT_FOUND', 'No such job.');
  if (!preview.dryRun) throw new AppError('CONFLICT', 'This job is not a preview: it already ran for real. Create a new job to run it again.');
  return createJob(db, { kind: preview.kind, params: preview.params, tags: preview.tags, createdBy });
}
