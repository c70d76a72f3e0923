/**
 * @module
 * /agents: every enrolled agent (online, offline, or never connected yet; version, tags, last
 * seen, the job it holds), enrolling a new one (a one-time code with its expiry counting down and
 * the exact command to run on the agent's machine), revoking one (its token stops working at once,
 * the daemon exits, and a job it held is handed back now), and removing revoked ones from the list.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AgentInfo, EnrollmentResponse } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { DataTable } from '../components/data-table';
import { EmptyState } from '../components/empty-state';
import { ErrorBanner } from '../components/error-banner';
import { toast } from '../components/toast';
import { StatusBadge } from '../components/status-badge';
import { RelativeTime } from '../components/relative-time';
import { ConfirmButton } from '../components/confirm-button';
import { CopyButton } from '../components/copy-button';
import { formatDuration } from '../components/format';

const STATE_LABELS: Record<AgentInfo['state'], string> = { online: 'online', offline: 'offline', never_connected: 'never connected', revoked: 'revoked' };

export function AgentsPage() {
  const agents = useAsync(async () => (await unwrap(client.api.agents.$get())).items, []);
  const [enrollment, setEnrollment] = useState<EnrollmentResponse | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // Online state changes without any action here; refresh while the tab is visible.
  useEffect(() => {
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') void agents.reload();
    }, 15_000);
    return () => clearInterval(t);
  }, [agents.reload]);

  const enroll = async () => {
    setBusy(true);
    setActionError(null);
    try {
      setEnrollment(await unwrap(client.api.agents.enrollments.$post()));
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (a: AgentInfo) => {
    setActionError(null);
    try {
      const r = await unwrap(client.api.agents[':id'].$delete({ param: { id: a.id } }));
      const handedBack = r.requeued.length ? ' Its job is queued again for another agent.' : r.needsAttention.length ? ' Its job needs attention: a step that changes things was running.' : '';
      toast(`${a.name} was revoked.${handedBack}`);
      await agents.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  const remove = async (a: AgentInfo) => {
    setActionError(null);
    try {
      await unwrap(client.api.agents[':id'].remove.$post({ param: { id: a.id } }));
      toast(`${a.name} was removed from the list.`);
      await agents.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <section>
      <div class="page-head">
        <h1>Agents</h1>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => void agents.reload()}>
            Refresh
          </button>
          <button type="button" onClick={enroll} disabled={busy}>
            Enroll an agent
          </button>
        </div>
      </div>
      <ErrorBanner error={actionError} />
      {enrollment && <EnrollmentCard enrollment={enrollment} onDone={() => { setEnrollment(null); void agents.reload(); }} />}
      <ErrorBanner error={agents.error} onRetry={() => void agents.reload()} />
      {agents.loading && !agents.data && <p class="muted">Loading agents…</p>}
      {agents.data && (
        <DataTable
          caption="Enrolled agents"
          testId="agents-table"
          rows={agents.data}
          rowKey={(a) => a.id}
          empty={
            <EmptyState title="No agents yet.">
              An agent runs on your home network and carries out jobs (SSH, kubectl, Nomad). Click <strong>Enroll an agent</strong> to get the command.
            </EmptyState>
          }
          columns={[
            {
              header: 'Agent',
              cell: (a) => (
                <>
                  <strong>{a.name}</strong>
                  <div class="small muted">{a.hostname}</div>
                </>
              ),
            },
            { header: 'State', cell: (a) => <StatusBadge status={a.state} label={STATE_LABELS[a.state]} /> },
            { header: 'Version', cell: (a) => <code class="small">{a.version}</code> },
            { header: 'Tags', cell: (a) => (a.tags.length ? a.tags.join(', ') : <span class="muted">none</span>) },
            { header: 'Last seen', cell: (a) => <RelativeTime iso={a.lastSeenAt} fallback="never" /> },
            { header: 'Current job', cell: (a) => (a.currentJobId ? <a href={`/jobs/${a.currentJobId}`}>{a.currentJobId}</a> : <span class="muted">{a.online ? 'idle' : '—'}</span>) },
            {
              header: 'Actions',
              cell: (a) =>
                a.revokedAt ? (
                  <span class="actions">
                    <span class="small muted">
                      revoked <RelativeTime iso={a.revokedAt} />
                    </span>
                    <ConfirmButton label="Remove" confirmLabel={`Yes, remove ${a.name}`} question="Remove it from this list? Jobs it ran keep their history." onConfirm={() => remove(a)} />
                  </span>
                ) : (
                  <ConfirmButton
                    label="Revoke"
                    confirmLabel={`Yes, revoke ${a.name}`}
                    question={`${a.name} will be refused from now on${a.currentJobId ? '; its job is handed back at once (queued again, or marked for your attention if a step that changes things was running)' : ''}.`}
                    onConfirm={() => revoke(a)}
                  />
                ),
            },
          ]}
        />
      )}
    </section>
  );
}

function EnrollmentCard({ enrollment, onDone }: { enrollment: EnrollmentResponse; onDone: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, (Date.parse(enrollment.expiresAt) - now) / 1000);
  const expired = left <= 0;
  return (
    <section class="card" aria-labelledby="enroll-title" data-testid="enrollment">
      <h2 id="enroll-title">Enroll an agent</h2>
      <p>
        On the machine that will run jobs (Node 20 or newer, with the <code>plexops-agent</code> file installed), run this command once. The code works one time.
      </p>
      <div class="command">
        <code data-testid="enroll-command">{enrollment.command}</code>
        <CopyButton value={enrollment.command} label="Copy command" />
      </div>
      <p class="small muted">
        Add <code>--name</code> and <code>--tags</code> (e.g. <code>--tags home,k8s</code>) to choose which jobs it takes. Then start it with{' '}
        <code>plexops-agent run</code> (a systemd unit is in the README).
      </p>
      <p>
        Code <code data-testid="enroll-code">{enrollment.code}</code>{' '}
        {expired ? (
          <strong class="error" role="alert">
            expired — create a new one.
          </strong>
        ) : (
          <span class="muted" aria-live="off">
            expires in <span data-testid="enroll-countdown">{formatDuration(left)}</span>
          </span>
        )}
      </p>
      <button type="button" class="secondary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
