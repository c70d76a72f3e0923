/**
 * @module
 * The live view of a job for the admin's log stream: status, steps, progress, approvals and the
 * agent in ONE statement (the stream reads it on every hub poke, log chunks included, so it must
 * stay a single round trip). Steps and approvals come back as JSON aggregates; their timestamps
 * are normalised to the same ISO form the REST detail uses, so the page can merge both.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { ApprovalInfo, JobStatus, JobStatusEvent, JobStepState, Progress, StepStatus } from '../../contracts';
import { stepParamsHash } from './step-start';
import { iso } from './views';

interface Row extends Record<string, unknown> {
  kind: string;
  params: unknown;
  status: JobStatus;
  attempt: number;
  agent_id: string | null;
  agent_name: string | null;
  agent_hostname: string | null;
  current_step: number | null;
  cancel_requested: boolean;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  progress: unknown;
  error: unknown;
  steps: Array<{ index: number; status: StepStatus; attempts: number; startedAt: string | null; finishedAt: string | null; outputs: unknown; error: unknown }> | string;
  approvals: Array<{ stepIndex: number; paramsHash: string; approvedBy: string; approvedAt: string }> | string;
}

// json_agg may reach us as text depending on the driver's type parsing; accept both.
const parsed = <T>(v: T[] | string): T[] => (typeof v === 'string' ? (JSON.parse(v) as T[]) : v);

export async function readJobStatus(db: DbOrTx, jobId: string): Promise<JobStatusEvent | null> {
  const result = await db.execute<Row>(sql`
    SELECT j.kind, j.params, j.status, j.attempt, j.agent_id, a.name AS agent_name, a.hostname AS agent_hostname,
           j.current_step, j.cancel_requested_at IS NOT NULL AS cancel_requested, j.started_at, j.finished_at,
           j.progress, j.error,
           coalesce((SELECT json_agg(json_build_object('index', s.index, 'status', s.status, 'attempts', s.attempts,
                                     'startedAt', s.started_at, 'finishedAt', s.finished_at, 'outputs', s.outputs, 'error', s.error)
                                     ORDER BY s.index)
                       FROM job_steps s WHERE s.job_id = j.id), '[]'::json) AS steps,
           coalesce((SELECT json_agg(json_build_object('stepIndex', ap.step_index, 'paramsHash', ap.params_hash,
                                     'approvedBy', ap.approved_by, 'approvedAt', ap.approved_at)
                                     ORDER BY ap.approved_at)
                       FROM job_approvals ap WHERE ap.job_id = j.id), '[]'::json) AS approvals
      FROM jobs j LEFT JOIN agents a ON a.id = j.agent_id
     WHERE j.id = ${jobId}`);
  const r = result.rows[0];
  if (!r) return null;
  const steps: JobStepState[] = parsed(r.steps).map((s) => ({
    index: s.index,
    status: s.status,
    attempts: s.attempts,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    outputs: (s.outputs as Record<string, unknown> | null) ?? null,
    error: s.error ?? null,
  }));
  const approvals: ApprovalInfo[] = parsed(r.approvals).map((a) => ({ ...a, approvedAt: iso(a.approvedAt)! }));
  const waiting = steps.find((s) => s.status === 'awaiting_approval');
  return {
    status: r.status,
    attempt: r.attempt,
    agentId: r.agent_id,
    agent: r.agent_id && r.agent_name !== null ? { id: r.agent_id, name: r.agent_name, hostname: r.agent_hostname ?? '' } : null,
    currentStep: r.current_step,
    cancelRequested: r.cancel_requested,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    progress: (r.progress as Progress | null) ?? null,
    error: r.error ?? null,
    steps,
    approvals,
    awaitingApproval: waiting ? { stepIndex: waiting.index, paramsHash: await stepParamsHash(r.kind, waiting.index, r.params) } : null,
  };
}
