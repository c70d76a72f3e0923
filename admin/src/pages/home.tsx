/**
 * @module
 * Overview: the at-a-glance dashboard. Everything on it comes from the live feed the layout keeps
 * open on this page (`/api/overview/stream`, one answer per change, no polling): the first-run
 * checklist until setup is done, now playing, webhook health, conflicts, approvals, running jobs,
 * agents and recent plays. Until the first answer arrives the cards show as empty frames of the
 * same size, so nothing jumps when it does. The system card reads /healthz once.
 */
import { useEffect, useState } from 'preact/hooks';
import { client } from '../api';
import type { Principal } from '../../../worker/src/contracts';
import { useLive } from '../live';
import { NowPlaying } from './overview/now-playing';
import { FirstRunChecklist, allDone } from './overview/first-run';
import { AgentsCard, ApprovalsCard, ConflictsCard, RecentPlaysCard, RunningJobsCard, WebhookHealthCard } from './overview/cards';

const viaLabel: Record<Principal['via'], string> = { plex: 'Plex account', 'admin-token': 'Admin token', 'sign-in-link': 'One-time sign-in link' };

type Health = { ok: boolean; version: string; db: string; migrations: number } | { error: string };

function SystemCard({ principal }: { principal: Principal }) {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    client.healthz
      .$get()
      .then(async (res) => setHealth((await res.json()) as Health))
      .catch(() => setHealth({ error: 'The server could not be reached.' }));
  }, []);
  return (
    <section class="card" data-testid="health" aria-labelledby="sys-title">
      <h2 id="sys-title">System</h2>
      {!health && <p class="muted">Checking…</p>}
      {health && 'error' in health && <p class="error">{health.error}</p>}
      {health && 'ok' in health && (
        <dl>
          <dt>Status</dt>
          <dd class={health.ok ? 'ok' : 'error'}>{health.ok ? 'Healthy' : 'Unhealthy'}</dd>
          <dt>Database</dt>
          <dd>{health.db}</dd>
          <dt>Version</dt>
          <dd>
            {health.version} <span class="muted small">· {health.migrations} migrations</span>
          </dd>
          <dt>Signed in</dt>
          <dd>
            {principal.name} <span class="muted small">· {viaLabel[principal.via]}</span>
          </dd>
        </dl>
      )}
    </section>
  );
}

export function HomePage({ principal }: { principal: Principal }) {
  const { overview: o, overviewAt, status } = useLive();
  return (
    <section>
      <div class="page-head">
        <h1>Overview</h1>
        <span class={`stream-state stream-${status}`} role="status" aria-live="polite" data-testid="overview-state">
          {status === 'live' ? 'Live' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </span>
      </div>
      {o && !allDone(o.firstRun) && <FirstRunChecklist state={o.firstRun} />}
      {o ? <NowPlaying items={o.nowPlaying} arrivedAt={overviewAt} /> : <div class="card skeleton now-playing" aria-hidden="true" />}
      <div class="grid overview-grid" aria-busy={o ? 'false' : 'true'}>
        {o ? (
          <>
            <ApprovalsCard items={o.approvals} />
            <ConflictsCard c={o.conflicts} />
            <WebhookHealthCard w={o.webhooks} />
            <RunningJobsCard items={o.runningJobs} />
            <AgentsCard a={o.agents} />
            <RecentPlaysCard items={o.recentPlays} />
          </>
        ) : (
          Array.from({ length: 6 }, (_, i) => <div key={i} class="card skeleton" aria-hidden="true" />)
        )}
        <SystemCard principal={principal} />
      </div>
    </section>
  );
}
