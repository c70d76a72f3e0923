/**
 * @module
 * "Continue watching" per account: resume points (how far into which episode or movie, from the
 * play/pause/stop events) and the next episode of each show the account has been watching. Shown
 * on the Library page; a show's page shows the lines for that show.
 */
import type { InProgressItem, NextUpItem, Watching } from '../../../worker/src/contracts/accounts';
import { RelativeTime } from './relative-time';
import { formatDuration } from './format';

export function episodeCode(e: { season: number | null; episode: number | null }): string {
  if (e.season === null || e.episode === null) return '';
  return `S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}`;
}

/** "42 %" of a known duration, else the time reached ("12 min"). */
export function positionText(p: Pick<InProgressItem, 'viewOffsetMs' | 'durationMs'>): string {
  if (p.durationMs && p.durationMs > 0) return `${Math.min(99, Math.floor((p.viewOffsetMs / p.durationMs) * 100))} %`;
  return formatDuration(p.viewOffsetMs / 1000);
}

function itemLabel(p: InProgressItem) {
  if (p.kind === 'movie') return <>{p.title}</>;
  return (
    <>
      {p.showId ? <a href={`/library/shows/${p.showId}`}>{p.title}</a> : p.title} {episodeCode(p)}
      {p.episodeTitle ? <span class="muted"> · {p.episodeTitle}</span> : null}
    </>
  );
}

function nextLabel(n: NextUpItem) {
  return (
    <>
      <a href={`/library/shows/${n.showId}`}>{n.showTitle}</a>{' '}
      {n.next ? (
        <>
          {episodeCode(n.next)}
          {n.next.title ? <span class="muted"> · {n.next.title}</span> : null}
        </>
      ) : (
        <span class="muted">after {episodeCode(n.last)} (not in the catalog yet)</span>
      )}
    </>
  );
}

export function ContinueWatching({ data, nameOf }: { data: Watching; nameOf: (id: string) => string }) {
  const accounts = [...new Set([...data.inProgress.map((p) => p.accountId), ...data.nextUp.map((n) => n.accountId)])];
  if (accounts.length === 0) return null;
  return (
    <section class="card" aria-labelledby="continue-title" data-testid="continue-watching">
      <h2 id="continue-title">Continue watching</h2>
      <div class="grid">
        {accounts.map((a) => {
          const progress = data.inProgress.filter((p) => p.accountId === a).slice(0, 5);
          const next = data.nextUp.filter((n) => n.accountId === a).slice(0, 5);
          return (
            <div key={a} data-testid={`watching-${a}`}>
              <h3>{nameOf(a)}</h3>
              {progress.length > 0 && (
                <>
                  <p class="small muted">In progress</p>
                  <ul class="watching">
                    {progress.map((p) => (
                      <li key={p.itemId}>
                        {itemLabel(p)} <span class="small">· {positionText(p)}</span>{' '}
                        <span class="small muted">
                          <RelativeTime iso={p.updatedAt} />
                        </span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {next.length > 0 && (
                <>
                  <p class="small muted">Next up</p>
                  <ul class="watching">
                    {next.map((n) => (
                      <li key={n.showId}>{nextLabel(n)}</li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          );
        })}
      </div>
    </section>
  );
}
