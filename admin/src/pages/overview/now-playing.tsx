/**
 * @module
 * Now playing: one row per session (account + player) with the poster, what it is, who watches
 * where, playing or paused, and the position. The server sends the position at `asOf`; while a
 * session plays, the bar moves on with the clock here (capped at the duration), so it needs no
 * more requests (from when the answer arrived here, so a skewed clock does not matter). Sessions
 * vanish when the server's staleness rule drops them.
 */
import { useEffect, useState } from 'preact/hooks';
import type { NowPlayingItem } from '../../../../worker/src/contracts';
import { Poster } from '../../components/poster';
import { StatusBadge } from '../../components/status-badge';
import { EmptyState } from '../../components/empty-state';
import { episodeCode } from '../../components/format';

/** 75_000 → "1:15", 3_723_000 → "1:02:03". */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function useSecondTicker(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** Where a session is at `now`, given that its `positionMs` was current when the answer arrived (`arrivedAt`). */
export function positionAt(item: NowPlayingItem, now: number, arrivedAt: number): number | null {
  if (item.positionMs === null) return null;
  const moved = item.state === 'playing' ? Math.max(0, now - arrivedAt) : 0;
  const pos = item.positionMs + moved;
  return item.durationMs !== null ? Math.min(pos, item.durationMs) : pos;
}

function Session({ item, now, arrivedAt }: { item: NowPlayingItem; now: number; arrivedAt: number }) {
  const episode = item.mediaType === 'episode';
  const heading = episode ? (item.showTitle ?? item.title ?? 'Unknown show') : (item.title ?? 'Unknown');
  const sub = episode ? [episodeCode(item.season, item.episode), item.title].filter(Boolean).join(' · ') : item.year ? String(item.year) : '';
  const pos = positionAt(item, now, arrivedAt);
  const ratio = pos !== null && item.durationMs ? pos / item.durationMs : null;
  const who = item.account.title ?? (item.account.id ? `Plex account ${item.account.id}` : 'Unknown account');
  return (
    <li class="session" data-testid="now-playing-item">
      <Poster url={item.posterUrl} title={heading} size="md" />
      <div class="session-body">
        <div class="session-head">
          <strong class="session-title">{heading}</strong>
          <StatusBadge status={item.state === 'playing' ? 'running' : 'waiting'} label={item.state} />
        </div>
        {sub && <div class="small">{sub}</div>}
        <div class="small muted">
          {who}
          {item.player.title && <> · {item.player.title}</>}
          {item.player.local === false && <> · remote</>}
        </div>
        <div
          class="progress-track media-progress"
          role="progressbar"
          aria-label={`${heading}: position`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={ratio === null ? undefined : Math.round(ratio * 100)}
          aria-valuetext={pos === null ? 'position unknown' : item.durationMs ? `${clock(pos)} of ${clock(item.durationMs)}` : clock(pos)}
        >
          <div class="progress-fill" style={{ width: ratio === null ? '0%' : `${ratio * 100}%` }} />
        </div>
        <div class="small muted num-left" data-testid="now-playing-position">
          {pos === null ? 'position unknown' : item.durationMs ? `${clock(pos)} / ${clock(item.durationMs)}` : clock(pos)}
        </div>
      </div>
    </li>
  );
}

export function NowPlaying({ items, arrivedAt }: { items: NowPlayingItem[]; arrivedAt: number }) {
  const now = useSecondTicker(items.some((i) => i.state === 'playing'));
  return (
    <section class="card now-playing" aria-labelledby="now-playing-title" data-testid="now-playing">
      <h2 id="now-playing-title">
        Now playing {items.length > 0 && <span class="muted small">({items.length})</span>}
      </h2>
      {items.length === 0 ? (
        <EmptyState title="Nothing is playing.">Plays show up here as Plex reports them.</EmptyState>
      ) : (
        <ul class="sessions">
          {items.map((i) => (
            <Session key={i.sessionKey} item={i} now={now} arrivedAt={arrivedAt} />
          ))}
        </ul>
      )}
    </section>
  );
}
