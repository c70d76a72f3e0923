/** @module Read side of the admin jobs API: list (keyset pages), detail, log pages. */
import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents, jobLogs, jobs } from '../../db/schema';
import type { JobDetail, JobStatus, JobSummary, LogsPage, Page, Progress } from '../../contracts';
import { isTerminalJobStatus, redactSecretParams } from '../../contracts';
import { AppError } from '../../errors';
import { afterKeyset, decodeKeyset, paginate, timeKey } from '../../lib/cursor';
import { stepParamsHash } from './step-start';
import { iso, loadApprovals, loadSteps } from './views';

type JobRow = typeof jobs.$inferSelect;

function summary(j: JobRow): JobSummary {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    tags: j.tags,
    attempt: j.attempt,
    agentId: j.agentId,
    currentStep: j.currentStep,
    cancelRequested: j.cancelRequestedAt !== null,
    dryRun: j.dryRun,
    createdBy: j.createdBy,
    createdAt: j.createdAt.toISOString(),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
  };
}

export async function listJobs(db: DbOrTx, q: { status?: JobStatus | undefined; limit: number; cursor?: string | undefined }): Promise<Page<JobSummary>> {
  const after = q.cursor ? (decodeKeyset(q.cursor, ['time', 'id']) as [string, string]) : undefined;
  const rows = await db
    .select({ job: jobs, key: timeKey(jobs.createdAt) })
    .from(jobs)
    .where(and(q.status ? eq(jobs.status, q.status) : undefined, after ? afterKeyset('desc', jobs.createdAt, jobs.id, after[0], after[1], 'time') : undefined))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(q.limit + 1);
  const page = paginate(rows, q.limit, (r) => [r.key, r.job.id]);
  return { items: page.items.map((r) => summary(r.job)), nextCursor: page.nextCursor };
}

export async function getJob(db: DbOrTx, id: string): Promise<JobDetail> {
  const [row] = await db
    .select({ job: jobs, agent: { id: agents.id, name: agents.name, hostname: agents.hostname } })
    .from(jobs)
    .leftJoin(agents, eq(agents.id, jobs.agentId))
    .where(eq(jobs.id, id));
  if (!row) throw new AppError('NOT_FOUND', 'No such job.');
  const j = row.job;
  const steps = await loadSteps(db, id);
  return {
    ...summary(j),
    params: redactSecretParams(j.kind, j.params),
    leaseExpiresAt: iso(j.leaseExpiresAt),
    claimedAt: iso(j.claimedAt),
    progress: (j.progress as Progress | null) ?? null,
    error: j.error ?? null,
    logBytes: j.logBytes,
    logSha256: j.logSha256,
    steps: await Promise.all(
      steps.map(async (s) => ({
        index: s.index,
        id: s.stepId,
        title: s.title,
        needsApproval: s.needsApproval,
        idempotency: s.idempotency,
        status: s.status,
        attempts: s.attempts,
        outputs: (s.outputs as Record<string, unknown> | null) ?? null,
        error: s.error ?? null,
        paramsHash: s.needsApproval ? await stepParamsHash(j.kind, s.index, j.params) : null,
        startedAt: iso(s.startedAt),
        finishedAt: iso(s.finishedAt),
      })),
    ),
    approvals: await loadApprovals(db, id),
    agent: row.agent?.id ? { id: row.agent.id, name: row.agent.name, hostname: row.agent.hostname } : null,
  };
}

export async function readLogs(db: DbOrTx, id: string, q: { after: number; limit: number }): Promise<LogsPage> {
  const [job] = await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, id));
  if (!job) throw new AppError('NOT_FOUND', 'No such job.');
  const rows = await db
    .select({ seq: jobLogs.seq, offset: jobLogs.offset, data: jobLogs.data, stepIndex: jobLogs.stepIndex })
    .from(jobLogs)
    .where(and(eq(jobLogs.jobId, id), gt(jobLogs.seq, q.after)))
    .orderBy(asc(jobLogs.seq))
    .limit(q.limit);
  const last = rows[rows.length - 1];
  const terminal = isTerminalJobStatus(job.status);
  return { chunks: rows, nextAfter: last ? last.seq : q.after, done: terminal && rows.length < q.limit };
}
