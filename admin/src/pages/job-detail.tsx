/**
 * @module
 * /jobs/:id: status, timings, the agent holding it, progress, steps (status, attempts, timings,
 * outputs), approvals for gated steps (showing exactly what is approved: the step, the params
 * and the params hash the approval binds to; approve or reject), cancel, retry, why a queued job
 * is not moving (no agent online that can run it), and the live log. The detail is read
 * once; after that the log stream's `status` events keep it current (no polling), with one
 * re-read when the stream reconnects and after each action here.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JobDetail, JobStatusEvent, JobStepInfo } from '../../../worker/src/contracts';
// The zod-free module: the admin bundle carries no zod.
import { isRetryableJobStatus, isTerminalJobStatus } from '../../../worker/src/contracts/job-status';
import { client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { actorLabel, useKindTitle } from '../components/lookups';
import { usePageTitle } from '../components/page-title';
import { toast } from '../components/toast';
import { NoAgentNotice, useAgents } from '../components/agent-availability';
import { StatusBadge } from '../components/status-badge';
import { RelativeTime } from '../components/relative-time';
import { ConfirmButton } from '../components/confirm-button';
import { navigate } from '../router';
import { ProgressBar } from '../components/progress-bar';
import { JsonView } from '../components/json-view';
import { JobLogs } from '../components/job-logs';
import { elapsed, errorMessage } from '../components/format';


/** The read detail with the latest live status laid over it (steps matched by index). */
function withStatus(j: JobDetail, live: JobStatusEvent | null): JobDetail {
  if (!live) return j;
  const { awaitingApproval: _gate, steps, ...moving } = live;
  return { ...j, ...moving, steps: j.steps.map((s) => ({ ...s, ...steps.find((n) => n.index === s.index) })) };
}

export function JobDetailPage({ id }: { id: string }) {
  const job = useAsync(() => unwrap(client.api.jobs[':id'].$get({ param: { id } })), [id]);
  const [actionError, setActionError] = useState<unknown>(null);
  const kindTitle = useKindTitle();
  const agents = useAgents();
  // The newest status event wins over the read detail: the stream sends one on every change,
  // so a read that raced ahead of it is caught up by the next event.
  const [live, setLive] = useState<JobStatusEvent | null>(null);
  // A retry makes a finished job live again: reopen the (ended) stream for it.
  const [streamGen, setStreamGen] = useState(0);
  const liveRef = useRef(live);
  liveRef.current = live;
  useEffect(() => setLive(null), [id]);
  const j = job.data ? withStatus(job.data, live) : undefined;
  const active = j ? !isTerminalJobStatus(j.status) : false;
  usePageTitle(j ? `${kindTitle(j.kind)} (${j.status.replace(/_/g, ' ')})` : 'Job');

  // A fresh read supersedes the status events received before it started, not those that
  // arrived while it was in flight (they may be newer than what it read).
  const refresh = async () => {
    const before = liveRef.current;
    job.setData(await unwrap(client.api.jobs[':id'].$get({ param: { id } })));
    setLive((cur) => (cur === before ? null : cur));
  };

  const act = async (what: string, call: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await call();
      toast(what);
      await refresh();
    } catch (err) {
      setActionError(err);
    }
  };

  if (!j) {
    return (
      <section>
        <p>
          <a href="/jobs">← Jobs</a>
        </p>
        <ErrorBanner error={job.error} onRetry={() => void job.reload()} />
        {job.loading && <p class="muted">Loading job…</p>}
      </section>
    );
  }

  const pendingApprovals = j.steps.filter((s) => s.needsApproval && !j.approvals.some((a) => a.stepIndex === s.index) && active);
  return (
    <section>
      <p>
        <a href="/jobs">← Jobs</a>
      </p>
      <div class="page-head">
        <h1>
          {kindTitle(j.kind)} <StatusBadge status={j.status} />
          {j.dryRun && <StatusBadge status="preview" label="preview" />}
        </h1>
        <div class="actions">
          {j.dryRun && (
            <ConfirmButton
              label="Run it for real"
              danger={false}
              confirmLabel="Yes, create the real job"
              question="A new job with these parameters and tags; its approvals are asked as usual."
              onConfirm={async () => {
                setActionError(null);
                try {
                  const real = await unwrap(client.api.jobs[':id'].run.$post({ param: { id } }));
                  toast('The real job was created.');
                  navigate(`/jobs/${real.id}`);
                } catch (err) {
                  setActionError(err);
                }
              }}
            />
          )}
          {active && (
            <ConfirmButton
              label="Cancel job"
              confirmLabel="Yes, cancel it"
              question={j.status === 'running' || j.status === 'claimed' ? 'The agent stops the running step. Cancel?' : 'Cancel this job?'}
              disabled={j.cancelRequested}
              onConfirm={() => act('Cancel requested.', () => unwrap(client.api.jobs[':id'].cancel.$post({ param: { id } })))}
            />
          )}
          {isRetryableJobStatus(j.status) && (
            <ConfirmButton
              label="Retry"
              danger={false}
              confirmLabel="Yes, run it again"
              question="Steps that succeeded stay done; the rest run again."
              onConfirm={() =>
                act('Queued again.', async () => {
                  await unwrap(client.api.jobs[':id'].retry.$post({ param: { id } }));
                  setLive(null);
                  setStreamGen((n) => n + 1);
                })
              }
            />
          )}
        </div>
      </div>
      <ErrorBanner error={actionError} />
      <NoAgentNotice agents={agents} tags={j.tags} status={j.status} />
      {job.error !== null && <ErrorBanner error={job.error} />}
      {j.cancelRequested && active && <p class="banner">Cancel requested: waiting for the agent to stop.</p>}
      {j.dryRun && (
        <p class="notice" data-testid="dry-run-notice">
          A preview: the log shows every command and call the steps would make; none of them ran, and no approval was asked.
        </p>
      )}

      <div class="card">
        <dl>
          <dt>Id</dt>
          <dd>
            <code>{j.id}</code>
          </dd>
          <dt>Created</dt>
          <dd>
            <RelativeTime iso={j.createdAt} /> by {actorLabel(j.createdBy)}
          </dd>
          <dt>Started</dt>
          <dd>
            <RelativeTime iso={j.startedAt} fallback="not yet" />
          </dd>
          <dt>Duration</dt>
          <dd>{elapsed(j.startedAt, j.finishedAt)}</dd>
          <dt>Agent</dt>
          <dd>{j.agent ? `${j.agent.name} (${j.agent.hostname})` : <span class="muted">none yet</span>}</dd>
          <dt>Required tags</dt>
          <dd>{j.tags.length ? j.tags.join(', ') : <span class="muted">any agent</span>}</dd>
          <dt>Attempt</dt>
          <dd>{j.attempt}</dd>
        </dl>
        {j.progress && active && <ProgressBar progress={j.progress} label={`Progress of ${j.kind}`} />}
        {j.error !== null && j.error !== undefined && <p class="error">{describeError(j.error)}</p>}
      </div>

      {pendingApprovals.map((s) => (
        <ApprovalCard
          key={s.index}
          job={j}
          kindTitle={kindTitle(j.kind)}
          step={s}
          onApprove={() => act(`Step “${s.title}” approved.`, () => unwrap(client.api.jobs[':id'].approve.$post({ param: { id }, json: { step: s.index } })))}
          onReject={(reason) =>
            act(`Step “${s.title}” rejected: the job failed.`, () => unwrap(client.api.jobs[':id'].reject.$post({ param: { id }, json: { step: s.index, ...(reason ? { reason } : {}) } })))
          }
        />
      ))}

      <Steps job={j} />
      <details class="card">
        <summary>Parameters</summary>
        <JsonView value={j.params} label="Job parameters" />
      </details>
      <JobLogs key={`${id}:${streamGen}`} jobId={id} onStatus={setLive} onReconnect={() => void refresh().catch(() => undefined)} />
    </section>
  );
}

function describeError(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return errorMessage(JSON.stringify(e));
}

function ApprovalCard({
  job,
  kindTitle,
  step,
  onApprove,
  onReject,
}: {
  job: JobDetail;
  kindTitle: string;
  step: JobStepInfo;
  onApprove: () => Promise<unknown>;
  onReject: (reason: string) => Promise<unknown>;
}) {
  const waiting = step.status === 'awaiting_approval';
  const [reason, setReason] = useState('');
  return (
    <section class="card approval" aria-labelledby={`approve-${step.index}`} data-testid="approval">
      <h2 id={`approve-${step.index}`}>
        {waiting ? 'Waiting for your approval' : 'Needs approval before it runs'}: step {step.index + 1}, “{step.title}”
      </h2>
      <p>
        You approve running <strong>{step.title}</strong> of this {kindTitle} job with exactly these parameters
        {step.idempotency === 'non-idempotent' && ' (this step changes things and is not retried automatically)'}:
      </p>
      <JsonView value={job.params} label="Parameters being approved" />
      <p class="small muted">
        The approval binds to the parameters hash <code>{step.paramsHash ?? '—'}</code>; if they change, it no longer applies.
      </p>
      <div class="actions">
        <ConfirmButton label={`Approve step ${step.index + 1}`} danger={false} confirmLabel="Yes, approve" question="Run this step with these parameters?" onConfirm={onApprove} />
        {waiting && (
          <ConfirmButton
            label={`Reject step ${step.index + 1}`}
            confirmLabel="Yes, reject"
            question={
              <>
                <label class="plain" for={`reject-${step.index}`}>
                  The job fails, saying you rejected it. Why (optional):
                </label>{' '}
                <input id={`reject-${step.index}`} value={reason} maxLength={500} style={{ width: 'auto', margin: 0 }} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
              </>
            }
            onConfirm={() => onReject(reason.trim())}
          />
        )}
      </div>
    </section>
  );
}

function Steps({ job }: { job: JobDetail }) {
  return (
    <section class="card" aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      <ol class="steps">
        {job.steps.map((s) => {
          const approval = job.approvals.find((a) => a.stepIndex === s.index);
          return (
            <li key={s.index} class="step" data-testid={`step-${s.index}`}>
              <div class="step-head">
                <span class="step-title">{s.title}</span> <StatusBadge status={s.status} />
                {s.needsApproval && (
                  <span class="small muted">
                    {approval ? (
                      <>
                        approved by {actorLabel(approval.approvedBy)} <RelativeTime iso={approval.approvedAt} />
                      </>
                    ) : (
                      'needs approval'
                    )}
                  </span>
                )}
              </div>
              <div class="small muted">
                attempts {s.attempts} · started <RelativeTime iso={s.startedAt} fallback="—" /> · took {elapsed(s.startedAt, s.finishedAt)}
                {job.progress?.stepIndex === s.index && s.status === 'running' && job.progress.message ? ` · ${job.progress.message}` : ''}
              </div>
              {s.error !== null && s.error !== undefined && <p class="error small">{describeError(s.error)}</p>}
              {s.outputs && Object.keys(s.outputs).length > 0 && (
                <details>
                  <summary class="small">Outputs</summary>
                  <JsonView value={s.outputs} label={`Outputs of ${s.title}`} />
                </details>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
