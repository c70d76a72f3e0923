/** @module Job creation: params validated by the kind's schema, steps copied from the kind. */
import type { DbOrTx } from '../../db/client';
import { jobs, jobSteps } from '../../db/schema';
import { getJobKind, parseJobParams } from '../../contracts';
import { summaryOf } from '../../contracts/issues';
import { AppError } from '../../errors';
import { newId } from '../../lib/crypto';

export async function createJob(db: DbOrTx, input: { kind: string; params: unknown; tags: string[]; createdBy: string }): Promise<{ id: string }> {
  const parsed = parseJobParams(input.kind, input.params);
  if (!parsed.ok) throw new AppError('BAD_REQUEST', summaryOf(parsed.issues, 'The job is not valid.'), { issues: parsed.issues.slice(0, 20) });
  const def = getJobKind(input.kind)!;
  const id = newId('job');
  await db.transaction(async (tx) => {
    await tx.insert(jobs).values({ id, kind: def.kind, params: parsed.params, tags: [...new Set(input.tags)].sort(), createdBy: input.createdBy });
    await tx.insert(jobSteps).values(
      def.steps.map((s, index) => ({ jobId: id, index, stepId: s.id, title: s.title, needsApproval: def.stepNeedsApproval(index, parsed.params), idempotency: s.idempotency })),
    );
  });
  return { id };
}
