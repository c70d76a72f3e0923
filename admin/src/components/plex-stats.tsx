/** @module The Activity page's header: webhook counts by status (24 h / 7 d), success rate, last webhook, plays per day. */
import type { PlexStats, WebhookStatus } from '../../../worker/src/contracts';
import { RelativeTime } from './relative-time';
import { StatusBadge } from './status-badge';
import { formatPercent } from './format';

const ORDER: WebhookStatus[] = ['processed', 'waiting', 'pending', 'failed', 'duplicate', 'ignored'];

function Counts({ counts }: { counts: Partial<Record<WebhookStatus, number>> }) {
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  return (
    <>
      <p class="stat">{total.toLocaleString()}</p>
      <ul class="inline-list">
        {ORDER.filter((s) => counts[s]).map((s) => (
          <li key={s}>
            <StatusBadge status={s} /> {counts[s]}
          </li>
        ))}
      </ul>
    </>
  );
}

export function PlexStatsPanel({ stats }: { stats: PlexStats }) {
  const max = Math.max(1, ...stats.playsPerDay.map((d) => d.plays));
  const totalPlays = stats.playsPerDay.reduce((a, d) => a + d.plays, 0);
  return (
    <div class="grid" data-testid="plex-stats">
      <div class="card">
        <h2>Webhooks, last 24 h</h2>
        <Counts counts={stats.webhooks.last24h} />
      </div>
      <div class="card">
        <h2>Webhooks, last 7 days</h2>
        <Counts counts={stats.webhooks.last7d} />
      </div>
      <div class="card">
        <h2>Health</h2>
        <dl>
          <dt>Success rate (7 d)</dt>
          <dd data-testid="success-rate">{formatPercent(stats.successRate, 1)}</dd>
          <dt>Last webhook</dt>
          <dd>
            <RelativeTime iso={stats.lastWebhookAt} fallback="never" />
          </dd>
          <dt>Shows / movies</dt>
          <dd>
            {stats.shows} / {stats.movies}
          </dd>
          <dt>Mapped</dt>
          <dd>{stats.mapped}</dd>
          <dt>Open conflicts</dt>
          <dd>{stats.unresolvedConflicts > 0 ? <a href="/conflicts">{stats.unresolvedConflicts}</a> : 0}</dd>
        </dl>
      </div>
      <div class="card">
        <h2>Plays per day (30 days)</h2>
        <div class="bars" role="img" aria-label={`${totalPlays} plays in the last 30 days`}>
          {stats.playsPerDay.map((d) => (
            <span key={d.day} style={{ height: `${(d.plays / max) * 100}%` }} title={`${d.day}: ${d.plays} plays`} />
          ))}
        </div>
        <p class="small muted">{totalPlays} plays in total</p>
      </div>
    </div>
  );
}
