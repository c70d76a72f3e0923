/**
 * @module
 * The overview's cards, each fed by one part of the overview answer: webhook health, open
 * conflicts, approvals waiting (linking straight to the approval on the job page), running jobs
 * with progress, agents, and recent plays. Every card keeps its shape whether it has rows or not,
 * so live updates do not push the page around.
 */
import type { Overview } from '../../../../worker/src/contracts';
import { Poster } from '../../components/poster';
import { ProgressBar } from '../../components/progress-bar';
import { RelativeTime } from '../../components/relative-time';
import { StatusBadge } from '../../components/status-badge';
import { episodeCode, formatPercent } from '../../components/format';

export function WebhookHealthCard({ w }: { w: Overview['webhooks'] }) {
  const attention = w.gaveUp + w.retrying;
  return (
    <section class="card" aria-labelledby="wh-title" data-testid="webhook-health">
      <h2 id="wh-title">Webhooks</h2>
      <dl>
        <dt>Last received</dt>
        <dd>
          <RelativeTime iso={w.lastReceivedAt} fallback="never" />
        </dd>
        <dt>Last 24 h</dt>
        <dd>{w.received24h.toLocaleString()} deliveries</dd>
        <dt>Success (7 d)</dt>
        <dd data-testid="overview-success-rate">{formatPercent(w.successRate7d, 1)}</dd>
      </dl>
      {attention > 0 ? (
        <p class="attention" data-testid="webhook-failures">
          <a href="/activity?status=failed">
            {attention === 1 ? '1 failed delivery' : `${attention} failed deliveries`}
          </a>{' '}
          <span class="small muted">
            ({w.gaveUp} gave up — fix, then replay; {w.retrying} retrying)
          </span>
        </p>
      ) : (
        <p class="small muted">No failed deliveries.</p>
      )}
      {w.waiting > 0 && (
        <p class="small">
          {w.waiting} waiting on <a href="/conflicts">a match decision</a>.
        </p>
      )}
    </section>
  );
}

export function ConflictsCard({ c }: { c: Overview['conflicts'] }) {
  return (
    <section class="card" aria-labelledby="oc-title" data-testid="overview-conflicts">
      <div class="card-head">
        <h2 id="oc-title">Open conflicts</h2>
        <span class="stat-sm">{c.open}</span>
      </div>
      {c.items.length === 0 ? (
        <p class="small muted">Everything Plex sent has been matched.</p>
      ) : (
        <ul class="mini-list">
          {c.items.map((x) => (
            <li key={x.id}>
              <Poster url={x.posterUrl} title={x.title} size="xs" />
              <span>
                <strong>{x.title ?? 'Unknown'}</strong> {x.year && <span class="muted">({x.year})</span>}
                <span class="small muted block">
                  {x.kind} · {x.candidates} candidates · <RelativeTime iso={x.createdAt} />
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {c.open > 0 && (
        <p>
          <a href="/conflicts">Review {c.open === 1 ? 'it' : `all ${c.open}`}</a>
        </p>
      )}
    </section>
  );
}

export function ApprovalsCard({ items }: { items: Overview['approvals'] }) {
  return (
    <section class="card" aria-labelledby="ap-title" data-testid="overview-approvals">
      <div class="card-head">
        <h2 id="ap-title">Waiting for approval</h2>
        <span class="stat-sm">{items.length}</span>
      </div>
      {items.length === 0 ? (
        <p class="small muted">No job is waiting for you.</p>
      ) : (
        <ul class="mini-list">
          {items.map((a) => (
            <li key={`${a.jobId}:${a.stepIndex}`}>
              <span>
                <a href={`/jobs/${a.jobId}#approve-${a.stepIndex}`}>
                  Approve step {a.stepIndex + 1}: {a.stepTitle}
                </a>
                <span class="small muted block">
                  {a.kind} · waiting <RelativeTime iso={a.since} />
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function RunningJobsCard({ items }: { items: Overview['runningJobs'] }) {
  return (
    <section class="card" aria-labelledby="rj-title" data-testid="overview-jobs">
      <div class="card-head">
        <h2 id="rj-title">Running jobs</h2>
        <span class="stat-sm">{items.length}</span>
      </div>
      {items.length === 0 ? (
        <p class="small muted">
          Nothing running. <a href="/jobs/new">Start a job</a>
        </p>
      ) : (
        <ul class="mini-list jobs-list">
          {items.map((j) => (
            <li key={j.id}>
              <div class="grow">
                <a href={`/jobs/${j.id}`}>{j.kind}</a> <StatusBadge status={j.status} />
                <span class="small muted block">
                  {[j.stepTitle, j.agentName && `on ${j.agentName}`].filter(Boolean).join(' · ')}
                  {j.startedAt && (
                    <>
                      {' '}
                      · started <RelativeTime iso={j.startedAt} />
                    </>
                  )}
                </span>
                {j.progress && <ProgressBar progress={j.progress} label={`Progress of ${j.kind}`} />}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function AgentsCard({ a }: { a: Overview['agents'] }) {
  return (
    <section class="card" aria-labelledby="ag-title" data-testid="overview-agents">
      <div class="card-head">
        <h2 id="ag-title">Agents</h2>
        <span class="stat-sm" data-testid="agents-online">
          {a.online}/{a.total}
        </span>
      </div>
      {a.items.length === 0 ? (
        <p class="small muted">
          No agent yet. <a href="/agents">Enroll one</a> to run jobs at home.
        </p>
      ) : (
        <ul class="mini-list">
          {a.items.map((x) => (
            <li key={x.id}>
              <StatusBadge status={x.online ? 'online' : 'offline'} />
              <span>
                <strong>{x.name}</strong>
                <span class="small muted block">
                  {x.hostname} · seen <RelativeTime iso={x.lastSeenAt} fallback="never" />
                  {x.currentJobId && (
                    <>
                      {' '}
                      · <a href={`/jobs/${x.currentJobId}`}>running a job</a>
                    </>
                  )}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function RecentPlaysCard({ items }: { items: Overview['recentPlays'] }) {
  return (
    <section class="card" aria-labelledby="rp-title" data-testid="recent-plays">
      <div class="card-head">
        <h2 id="rp-title">Recent plays</h2>
        <a class="small" href="/stats">
          Stats
        </a>
      </div>
      {items.length === 0 ? (
        <p class="small muted">No completed plays yet.</p>
      ) : (
        <ul class="mini-list">
          {items.map((p) => {
            const title = p.kind === 'episode' ? (p.showTitle ?? 'Unknown show') : (p.title ?? 'Unknown movie');
            const sub = p.kind === 'episode' ? [episodeCode(p.season, p.episode), p.title].filter(Boolean).join(' · ') : p.year ? String(p.year) : 'movie';
            return (
              <li key={p.id}>
                <Poster url={p.posterUrl} title={title} size="xs" />
                <span>
                  {p.kind === 'episode' && p.showId ? <a href={`/library/shows/${p.showId}`}>{title}</a> : <strong>{title}</strong>}
                  <span class="small muted block">
                    {sub} · {p.account.id ? <a href={`/stats/accounts/${p.account.id}`}>{p.account.title ?? `Plex account ${p.account.id}`}</a> : 'unknown'} ·{' '}
                    <RelativeTime iso={p.playedAt} />
                  </span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
