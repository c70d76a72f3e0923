/**
 * @module
 * /jobs: the job list with a status filter, and the dispatch to `/jobs/new` and `/jobs/:id`
 * (the app routes every /jobs/* path here).
 */
import { useState } from 'preact/hooks';
import type { JobStatus, JobSummary } from '../../../worker/src/contracts';
// The zod-free module: the admin bundle carries no zod.
import { JOB_STATUSES } from '../../../worker/src/contracts/job-status';
import { client, unwrap } from '../api';
import { PagedTable } from '../components/data-table';
import { usePaged } from '../components/use-async';
import { StatusBadge } from '../components/status-badge';
import { RelativeTime } from '../components/relative-time';
import { elapsed } from '../components/format';
import { JobNewPage } from './job-new';
import { JobDetailPage } from './job-detail';
import { useKindTitle } from '../components/lookups';
import { noAgentReason, useAgents } from '../components/agent-availability';


export function JobsPage({ path }: { path: string }) {
  if (path === '/jobs/new') return <JobNewPage />;
  const id = /^\/jobs\/([A-Za-z0-9_-]+)$/.exec(path)?.[1];
  // Keyed: another job's page ("Run it for real" goes from the preview to the new job) starts afresh.
  if (id) return <JobDetailPage key={id} id={id} />;
  return <JobList />;
}

function JobList() {
  const [status, setStatus] = useState<JobStatus | ''>('');
  const kindTitle = useKindTitle();
  const agents = useAgents();
  const jobs = usePaged<JobSummary>(
    (cursor) => unwrap(client.api.jobs.$get({ query: { limit: '25', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } })),
    [status],
  );
  return (
    <section>
      <div class="page-head">
        <h1>Jobs</h1>
        <a class="button" href="/jobs/new">
          New job
        </a>
      </div>
      <div class="filters">
        <label for="job-status">Status</label>
        <select id="job-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as JobStatus | '')}>
          <option value="">All</option>
          {JOB_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
        <button type="button" class="secondary" onClick={() => void jobs.reload()}>
          Refresh
        </button>
      </div>
      <PagedTable
        state={jobs}
        caption="Jobs, newest first"
        testId="jobs-table"
        emptyTitle={status ? `No ${status.replace(/_/g, ' ')} jobs.` : 'No jobs yet.'}
        emptyHint={
          <>
            Start with a <a href="/jobs/new">connectivity check</a> after enrolling an <a href="/agents">agent</a>.
          </>
        }
        rowKey={(j) => j.id}
        columns={[
          {
            header: 'Job',
            phone: 'primary',
            cell: (j) => (
              <>
                <a href={`/jobs/${j.id}`}>{kindTitle(j.kind)}</a>
                {j.dryRun && (
                  <>
                    {' '}
                    <StatusBadge status="preview" label="preview" />
                  </>
                )}
              </>
            ),
          },
          {
            header: 'Status',
            phone: 'inline',
            cell: (j) => {
              const stuck = j.status === 'queued' && agents ? noAgentReason(agents, j.tags) : null;
              return (
                <>
                  <StatusBadge status={j.status} />
                  {stuck && (
                    <div class="small notice-text" data-testid="no-agent" title={stuck}>
                      waiting: no agent online that can run it
                    </div>
                  )}
                </>
              );
            },
          },
          { header: 'Tags', cell: (j) => (j.tags.length ? j.tags.join(', ') : <span class="muted">any agent</span>) },
          { header: 'Created', cell: (j) => <RelativeTime iso={j.createdAt} /> },
          { header: 'Duration', cell: (j) => elapsed(j.startedAt, j.finishedAt) },
          { header: 'Id', phone: 'hide', cell: (j) => <code class="small">{j.id}</code> },
        ]}
      />
    </section>
  );
}
