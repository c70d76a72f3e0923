/**
 * @module
 * /conflicts: the matcher's review queue. Each conflict shows the Plex item and its ranked
 * candidates (title, year, score, method); a person selects one (or types another TMDB id),
 * maps it to a show/movie already in the catalog (search), creates a new catalog entry from
 * Plex's own metadata, or ignores the item. Resolving re-processes the webhook events that waited
 * on it, and a toast says how many. Duplicates already in the catalog can be merged from here.
 */
import { useState } from 'preact/hooks';
import type { MatchCandidate, MatchConflict } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { usePaged } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { EmptyState } from '../components/empty-state';
import { StatusBadge } from '../components/status-badge';
import { RelativeTime } from '../components/relative-time';
import { ConfirmButton } from '../components/confirm-button';
import { Field, issueMap } from '../components/fields';
import { formatPercent } from '../components/format';
import { Poster } from '../components/poster';
import { actorLabel } from '../components/lookups';
import { toast } from '../components/toast';
import { CatalogPicker } from '../components/catalog-picker';
import { MergePanel } from '../components/merge-panel';

/** Why the matcher asked, in words. */
export const REASONS: Record<string, string> = {
  'low-confidence': 'No candidate matches closely enough to be sure.',
  ambiguous: 'Several candidates match equally well.',
  'no-candidates': 'Nothing in TMDB or the catalog resembles it.',
  'not-in-catalog': 'Not in the catalog yet, and adding new items automatically is off.',
  'possible-duplicate': 'Looks like another spelling of something already in the catalog (a typo, or other accents).',
};

/** How a candidate or mapping was found, in words. */
export function methodLabel(method: string | null | undefined): string {
  const m: Record<string, string> = {
    'fuzzy-title-year': 'title and year',
    'tmdb-search': 'TMDB search',
    'guid-tmdb': 'TMDB id from Plex',
    'guid-tvdb': 'TVDB id from Plex',
    'guid-imdb': 'IMDb id from Plex',
    'tmdb-find-episode': 'TMDB, from the episode’s ids',
    'plex-metadata': 'Plex’s own metadata',
    manual: 'chosen by a person',
    mapping: 'earlier decision',
  };
  return method ? (m[method] ?? method) : '—';
}

type Filter = 'open' | 'resolved' | 'all';

export function ConflictsPage() {
  const [filter, setFilter] = useState<Filter>('open');
  const [merging, setMerging] = useState(false);
  const conflicts = usePaged<MatchConflict>(
    (cursor) => unwrap(client.api.plex.conflicts.$get({ query: { status: filter, limit: '20', ...(cursor ? { cursor } : {}) } })),
    [filter],
  );
  return (
    <section>
      <div class="page-head">
        <h1>Conflicts</h1>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setMerging(true)} disabled={merging}>
            Merge duplicates…
          </button>
          <button type="button" class="secondary" onClick={() => void conflicts.reload()}>
            Refresh
          </button>
        </div>
      </div>
      {merging && <MergePanel onClose={() => setMerging(false)} onDone={() => void conflicts.reload()} />}
      <p class="muted">
        Items the matcher could not place with confidence. One decision covers every episode of the show, for every account; events that waited on it are applied
        right away.
      </p>
      <div class="filters">
        <label for="conflict-status">Show</label>
        <select id="conflict-status" value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value as Filter)}>
          <option value="open">Open</option>
          <option value="resolved">Resolved</option>
          <option value="all">All</option>
        </select>
      </div>
      <ErrorBanner error={conflicts.error} onRetry={() => void conflicts.reload()} />
      {!conflicts.loading && !conflicts.error && conflicts.items.length === 0 && (
        <EmptyState title={filter === 'open' ? 'No open conflicts.' : 'Nothing here.'}>Everything Plex sent has been matched.</EmptyState>
      )}
      {conflicts.items.map((c) => (
        <ConflictCard key={c.id} conflict={c} onResolved={(next) => conflicts.update((x) => x.id === c.id, next)} />
      ))}
      <div class="load-more" aria-live="polite">
        {conflicts.loading && <span class="muted small">Loading…</span>}
        {!conflicts.loading && conflicts.hasMore && (
          <button type="button" class="secondary" onClick={() => void conflicts.loadMore()}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}

/**
 * The API takes a TMDB id as a number or a string of digits, but the typed client only knows the
 * parsed (number) side; anything else is sent as typed so the server names the problem.
 */
export function tmdbInput(raw: string): number {
  const t = raw.trim();
  return /^\d{1,11}$/.test(t) ? Number(t) : (t as unknown as number);
}

function candidateKey(c: MatchCandidate, i: number): string {
  return c.tmdbId !== null ? `tmdb:${c.tmdbId}` : c.catalogId ? `cat:${c.catalogId}` : `i:${i}`;
}

function ConflictCard({ conflict: c, onResolved }: { conflict: MatchConflict; onResolved: (c: MatchConflict) => void }) {
  const ranked = [...c.candidates].sort((a, b) => b.score - a.score);
  const [choice, setChoice] = useState<string>(ranked[0] ? candidateKey(ranked[0], 0) : 'other');
  const [otherId, setOtherId] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [picking, setPicking] = useState(false);
  const titleId = `conflict-${c.id}`;

  const decide = async (what: string, call: () => Promise<{ conflict?: MatchConflict; reprocessed: number }>) => {
    setBusy(true);
    setError(null);
    setIssues({});
    try {
      const r = await call();
      toast(`${what} ${r.reprocessed === 1 ? '1 waiting event was' : `${r.reprocessed} waiting events were`} re-processed.`);
      // A mapping edit answers with the mapping: read the conflict again for who resolved it.
      const settled = r.conflict ?? (await unwrap(client.api.plex.conflicts[':id'].$get({ param: { id: c.id } })).catch(() => null))?.conflict;
      onResolved({ ...(settled ?? c), status: 'resolved' });
    } catch (err) {
      setIssues(issueMap(err));
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const mapTo = (item: { id: string; title: string }) => {
    const json = c.kind === 'show' ? { showId: item.id } : { movieId: item.id };
    return decide(`Mapped to ${item.title}.`, () => unwrap(client.api.plex.mappings[':id'].$post({ param: { id: c.mappingId }, json })));
  };

  const select = () => {
    if (choice === 'other') {
      return decide(`Mapped to TMDB ${otherId}.`, () => unwrap(client.api.plex.conflicts[':id'].resolve.$post({ param: { id: c.id }, json: { action: 'select', tmdbId: tmdbInput(otherId) } })));
    }
    const cand = ranked.find((x, i) => candidateKey(x, i) === choice);
    if (!cand) return;
    if (cand.tmdbId !== null) {
      return decide(`Mapped to ${cand.title}.`, () => unwrap(client.api.plex.conflicts[':id'].resolve.$post({ param: { id: c.id }, json: { action: 'select', tmdbId: cand.tmdbId! } })));
    }
    // A catalog entry with no TMDB id: point the mapping at it (that settles the conflict too).
    const json = c.kind === 'show' ? { showId: cand.catalogId! } : { movieId: cand.catalogId! };
    return decide(`Mapped to ${cand.title}.`, () => unwrap(client.api.plex.mappings[':id'].$post({ param: { id: c.mappingId }, json })));
  };

  const open = c.status === 'open';
  return (
    <article class="card conflict" aria-labelledby={titleId} data-testid={`conflict-${c.id}`}>
      <div class="page-head">
        <span class="with-poster">
          <Poster url={c.posterUrl} title={c.plexTitle} size="md" />
          <h2 id={titleId}>
            {c.plexTitle ?? c.plexGuid} {c.plexYear && <span class="muted">({c.plexYear})</span>} <span class="muted small">{c.kind}</span>
          </h2>
        </span>
        <StatusBadge status={c.status} />
      </div>
      <p data-testid="conflict-reason">{REASONS[c.reason] ?? c.reason}</p>
      <p class="small muted">
        <code class="wrap">{c.plexGuid}</code>
        {c.serverUuid && (
          <>
            {' '}
            · server <code>{c.serverUuid.slice(0, 8)}…</code>
          </>
        )}{' '}
        · <RelativeTime iso={c.createdAt} />
      </p>
      {/* A TMDB id problem is shown next to its field; anything else up here. */}
      <ErrorBanner error={issues.tmdbId ? null : error} />
      {!open && (
        <p class="small">
          Resolved by {actorLabel(c.resolvedBy)} <RelativeTime iso={c.resolvedAt} />
          {c.resolution && <> · {String(c.resolution.action ?? '')}</>}
        </p>
      )}
      {open && (
        <fieldset disabled={busy}>
          <legend>Candidates, best first</legend>
          <table class="cards candidates">
            <caption class="sr-only">Candidates for {c.plexTitle}</caption>
            <thead>
              <tr>
                <th scope="col">Choose</th>
                <th scope="col">Title</th>
                <th scope="col">Year</th>
                <th scope="col" class="num">Score</th>
                <th scope="col">Method</th>
                <th scope="col">TMDB</th>
              </tr>
            </thead>
            <tbody>
              {ranked.map((cand, i) => {
                const key = candidateKey(cand, i);
                const id = `${c.id}-${key}`;
                return (
                  <tr key={key} data-testid="candidate">
                    <td class="no-label choose">
                      <input type="radio" id={id} name={`cand-${c.id}`} checked={choice === key} onChange={() => setChoice(key)} aria-label={`${cand.title} (${cand.year ?? 'no year'})`} />
                    </td>
                    <td class="primary" data-label="Title">
                      <label for={id} class="plain with-poster">
                        <Poster url={cand.posterUrl} title={cand.title} size="sm" />
                        <span>
                          {cand.title}
                          <span class="cand-year muted"> ({cand.year ?? 'no year'})</span>
                        </span>
                      </label>
                    </td>
                    <td data-label="Year" class="hide-sm">
                      {cand.year ?? '—'}
                    </td>
                    <td class="num" data-label="Score">
                      {formatPercent(cand.score)}
                    </td>
                    <td data-label="Method">{methodLabel(cand.method)}</td>
                    <td data-label="TMDB">{cand.tmdbId ?? '—'}</td>
                  </tr>
                );
              })}
              <tr>
                <td class="no-label choose">
                  <input type="radio" id={`${c.id}-other`} name={`cand-${c.id}`} checked={choice === 'other'} onChange={() => setChoice('other')} aria-label="Choose another TMDB id" />
                </td>
                <td colSpan={5} class="no-label">
                  <Field id={`${c.id}-tmdb`} label="Another TMDB id" error={issues.tmdbId}>
                    <input
                      id={`${c.id}-tmdb`}
                      inputMode="numeric"
                      value={otherId}
                      aria-invalid={issues.tmdbId ? 'true' : undefined}
                      onFocus={() => setChoice('other')}
                      onInput={(e) => setOtherId((e.target as HTMLInputElement).value)}
                    />
                  </Field>
                </td>
              </tr>
            </tbody>
          </table>
          <div class="actions">
            <button type="button" onClick={() => void select()} disabled={busy || (choice === 'other' && !otherId.trim())}>
              Use selected
            </button>
            <button type="button" class="secondary" onClick={() => setPicking(!picking)} aria-expanded={picking}>
              Map to an existing {c.kind}…
            </button>
            <ConfirmButton
              label="Create new"
              danger={false}
              confirmLabel="Yes, create it"
              question="Add it to the catalog from what Plex says (title, year, ids in its GUIDs)?"
              onConfirm={() => decide('Created a new catalog entry.', () => unwrap(client.api.plex.conflicts[':id'].resolve.$post({ param: { id: c.id }, json: { action: 'create_new' } })))}
            />
            <ConfirmButton
              label="Ignore"
              confirmLabel="Yes, ignore it"
              question="Stop tracking this item; its events are logged as ignored."
              onConfirm={() => decide('Ignored.', () => unwrap(client.api.plex.conflicts[':id'].resolve.$post({ param: { id: c.id }, json: { action: 'ignore' } })))}
            />
          </div>
          {picking && (
            <CatalogPicker kind={c.kind} label={`Find the ${c.kind} in the catalog`} initialQuery={(c.plexTitle ?? '').slice(0, 4)} actionLabel="Map to this" onPick={(item) => void mapTo(item)} />
          )}
        </fieldset>
      )}
    </article>
  );
}
