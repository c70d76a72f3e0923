/**
 * @module
 * The Activity page's header: webhook counts by status over two windows — the last 24 hours and
 * the last 7 days, each saying where it starts, and the week saying how much of it is older than
 * a day (so two equal totals read as "all of it today", not as one window shown twice) — then
 * success rate, last webhook, plays per day.
 */
import type { PlexStats, WebhookStatus } from '../../../worker/src/contracts';
import { RelativeTime } from './relative-time';
import { StatusBadge } from './status-badge';
import { formatPercent } from './format';

const ORDER: WebhookStatus[] = ['processed', 'waiting', 'pending', 'failed', 'duplicate', 'ignored'];

function Counts({ counts }: { counts: Partial<Record<WebhookStatus, number>> }) {
  return (
    <>
      <p class="stat" data-testid="count-total">
        {total(counts).toLocaleString()}
      </p>
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

const total = (c: Partial<Record<WebhookStatus, number>>) => Object.values(c).reduce((a, b) => a + (b ?? 0), 0);

function since(hoursAgo: number, now: number): string {
  const d = new Date(now - hoursAgo * 3_600_000);
  return hoursAgo <= 24 ? d.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function PlexStatsPanel({ stats }: { stats: PlexStats }) {
  const now = Date.now();
  const day = total(stats.webhooks.last24h);
  const older = total(stats.webhooks.last7d) - day;
  const max = Math.max(1, ...stats.playsPerDay.map((d) => d.plays));
  const totalPlays = stats.playsPerDay.reduce((a, d) => a + d.plays, 0);
  return (
    <div class="grid" data-testid="plex-stats">
      <div class="card" data-testid="webhooks-24h">
        <h2>Webhooks, last 24 h</h2>
        <p class="small muted">since {since(24, now)}</p>
        <Counts counts={stats.webhooks.last24h} />
      </div>
      <div class="card" data-testid="webhooks-7d">
        <h2>Webhooks, last 7 days</h2>
        <p class="small muted">
          since {since(7 * 24, now)} · {older > 0 ? `${older.toLocaleString()} older than a day` : 'none older than a day'}
        </p>
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
