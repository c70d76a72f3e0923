/**
 * @module
 * /agents: every enrolled agent (online, offline, or never connected yet; version, tags, last
 * seen, the job it holds), enrolling a new one (the tags it may have, then a one-time code with
 * its expiry counting down and the exact command to run on the agent's machine), revoking one
 * (its token stops working at once, the daemon exits, and a job it held is handed back now), and
 * removing revoked ones from the list.
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
import { Field, describedBy, issueAt, issueMap } from '../components/fields';

const STATE_LABELS: Record<AgentInfo['state'], string> = { online: 'online', offline: 'offline', never_connected: 'never connected', revoked: 'revoked' };

export function AgentsPage() {
  const agents = useAsync(async () => (await unwrap(client.api.agents.$get())).items, []);
  const [enrollment, setEnrollment] = useState<EnrollmentResponse | null>(null);
  const [enrolling, setEnrolling] = useState(false);
  const [enrollTags, setEnrollTags] = useState('');
  const [tagIssues, setTagIssues] = useState<Record<string, string>>({});
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // Online state changes without any action here; refresh while the tab is visible.
  useEffect(() => {
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') void agents.reload();
    }, 15_000);
    return () => clearInterval(t);
  }, [agents.reload]);

  const enroll = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setActionError(null);
    setTagIssues({});
    try {
      const tags = enrollTags.split(/[,\s]+/).filter(Boolean);
      setEnrollment(await unwrap(client.api.agents.enrollments.$post({ json: { tags } })));
      setEnrolling(false);
    } catch (err) {
      setTagIssues(issueMap(err));
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const tagsError = issueAt(tagIssues, 'tags');

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
          <button type="button" onClick={() => { setEnrollment(null); setEnrolling(true); }} disabled={busy || enrolling}>
            Enroll an agent
          </button>
        </div>
      </div>
      <ErrorBanner error={actionError} />
      {enrolling && (
        <form class="card form" onSubmit={enroll} noValidate aria-labelledby="enroll-new-title" data-testid="enroll-form">
          <h2 id="enroll-new-title">Enroll an agent</h2>
          <Field id="enroll-tags" label="Tags it may have" error={tagsError} hint="Comma separated, e.g. home, k8s. The agent may take fewer, never more; jobs go to agents holding all their tags. Empty = no tags.">
            <input id="enroll-tags" value={enrollTags} aria-invalid={tagsError ? 'true' : undefined} aria-describedby={describedBy('enroll-tags', tagsError, true)} onInput={(e) => setEnrollTags((e.target as HTMLInputElement).value)} />
          </Field>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Creating…' : 'Create enrollment code'}
            </button>
            <button type="button" class="secondary" onClick={() => setEnrolling(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
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
              phone: 'primary',
              cell: (a) => (
                <>
                  <strong>{a.name}</strong>
                  <div class="small muted">{a.hostname}</div>
                </>
              ),
            },
            { header: 'State', phone: 'inline', cell: (a) => <StatusBadge status={a.state} label={STATE_LABELS[a.state]} /> },
            { header: 'Version', cell: (a) => <code class="small">{a.version}</code> },
            { header: 'Tags', cell: (a) => (a.tags.length ? a.tags.join(', ') : <span class="muted">none</span>) },
            { header: 'Last seen', cell: (a) => <RelativeTime iso={a.lastSeenAt} fallback="never" /> },
            { header: 'Current job', cell: (a) => (a.currentJobId ? <a href={`/jobs/${a.currentJobId}`}>{a.currentJobId}</a> : <span class="muted">{a.online ? 'idle' : '—'}</span>) },
            {
              header: 'Actions',
              phone: 'no-label',
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
      {/* The default command needs the agent on PATH; a deployment may set AGENT_COMMAND to how it runs it instead. */}
      {enrollment.command.startsWith('plexops-agent ') ? (
        <p data-testid="enroll-install">
          On the machine that will run jobs (Node 20 or newer), install the agent once: build it with <code>npm run agent:build</code>, copy{' '}
          <code>agent/dist/plexops-agent.mjs</code> there and run <code>sudo install -m 0755 plexops-agent.mjs /usr/local/bin/plexops-agent</code>. Then run
          this command once; the code works one time.
        </p>
      ) : (
        <p>On the machine that will run jobs, run this command once. The code works one time.</p>
      )}
      <div class="command">
        <code data-testid="enroll-command">{enrollment.command}</code>
        <CopyButton value={enrollment.command} label="Copy command" />
      </div>
      <p class="small muted">
        {enrollment.tags.length ? (
          <>
            It may have the tags <strong>{enrollment.tags.join(', ')}</strong> (fewer with <code>--tags</code>).{' '}
          </>
        ) : (
          <>It gets no tags, so it takes only jobs that require none. </>
        )}
        Add <code>--name</code> to name it. Then start it with <code data-testid="enroll-run-command">{enrollment.runCommand}</code> (a systemd unit is in
        the README).
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
