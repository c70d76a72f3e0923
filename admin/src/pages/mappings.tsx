/**
 * @module
 * /mappings: how each Plex show or movie (per server) maps to the catalog. Filter to the unmapped
 * ones or those waiting on a conflict; point one at another TMDB id or at a show/movie already in
 * the catalog (search); merge the item it maps to into another (a duplicate); turn syncing on or
 * off; or delete it (stop syncing that show). A change that settles a conflict reports how many
 * waiting events were re-processed.
 */
import { useState } from 'preact/hooks';
import type { PlexMapping } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { usePaged } from '../components/use-async';
import { PagedTable } from '../components/data-table';
import { ErrorBanner } from '../components/error-banner';
import { StatusBadge } from '../components/status-badge';
import { RelativeTime } from '../components/relative-time';
import { ConfirmButton } from '../components/confirm-button';
import { issueMap } from '../components/fields';
import { formatPercent } from '../components/format';
import { methodLabel, tmdbInput } from './conflicts';
import { actorLabel } from '../components/lookups';
import { toast } from '../components/toast';
import { CatalogPicker, type CatalogItem } from '../components/catalog-picker';
import { MergePanel } from '../components/merge-panel';

type Filter = 'all' | 'unmapped' | 'conflicts';

export function MappingsPage() {
  const [filter, setFilter] = useState<Filter>('all');
  const [error, setError] = useState<unknown>(null);
  const [merge, setMerge] = useState<{ kind?: 'show' | 'movie'; from: CatalogItem | null } | null>(null);
  const mappings = usePaged<PlexMapping>(
    (cursor) =>
      unwrap(
        client.api.plex.mappings.$get({
          query: { limit: '50', ...(filter === 'unmapped' ? { unmapped: 'true' as const } : {}), ...(filter === 'conflicts' ? { conflicts: 'true' as const } : {}), ...(cursor ? { cursor } : {}) },
        }),
      ),
    [filter],
  );

  const run = async (m: PlexMapping, what: string, call: () => Promise<{ mapping: PlexMapping; reprocessed?: number }>) => {
    setError(null);
    try {
      const r = await call();
      mappings.update((x) => x.id === m.id, r.mapping);
      toast(`${m.plexTitle ?? m.plexGuid}: ${what}${r.reprocessed ? ` ${r.reprocessed} waiting event${r.reprocessed === 1 ? ' was' : 's were'} re-processed.` : ''}`);
    } catch (err) {
      setError(err);
      throw err;
    }
  };

  return (
    <section>
      <div class="page-head">
        <h1>Mappings</h1>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setMerge({ from: null })}>
            Merge duplicates…
          </button>
          <button type="button" class="secondary" onClick={() => void mappings.reload()}>
            Refresh
          </button>
        </div>
      </div>
      {merge && <MergePanel key={merge.from?.id ?? 'any'} {...(merge.kind ? { kind: merge.kind } : {})} from={merge.from} onClose={() => setMerge(null)} onDone={() => void mappings.reload()} />}
      <div class="filters" role="radiogroup" aria-label="Which mappings">
        {(['all', 'unmapped', 'conflicts'] as const).map((f) => (
          <label class="inline" key={f}>
            <input type="radio" name="mapping-filter" checked={filter === f} onChange={() => setFilter(f)} />
            {f === 'all' ? 'All' : f === 'unmapped' ? 'Unmapped' : 'Waiting on a conflict'}
          </label>
        ))}
      </div>
      <ErrorBanner error={error} />
      <PagedTable
        state={mappings}
        caption="Plex to catalog mappings"
        testId="mappings-table"
        emptyTitle={filter === 'all' ? 'No mappings yet.' : 'Nothing to review here.'}
        emptyHint={filter === 'all' ? 'They appear as Plex sends webhooks for shows and movies.' : undefined}
        rowKey={(m) => m.id}
        columns={[
          {
            header: 'Plex item',
            phone: 'primary',
            cell: (m) => (
              <>
                <strong>{m.plexTitle ?? '—'}</strong> {m.plexYear && <span class="muted">({m.plexYear})</span>}
                <div class="small muted">
                  {m.kind} · <code class="wrap">{m.plexGuid}</code>
                </div>
              </>
            ),
          },
          {
            header: 'Status',
            cell: (m) => (
              <>
                <StatusBadge status={m.status} /> {m.openConflictId && <a href="/conflicts" class="small">review</a>}
              </>
            ),
          },
          {
            header: 'Catalog',
            cell: (m) =>
              m.catalog ? (
                <>
                  {m.kind === 'show' ? <a href={`/library/shows/${m.catalog.id}`}>{m.catalog.title}</a> : m.catalog.title} {m.catalog.year && <span class="muted">({m.catalog.year})</span>}
                  <div class="small muted">TMDB {m.catalog.tmdbId ?? '—'}</div>
                </>
              ) : (
                <span class="muted">not mapped</span>
              ),
          },
          { header: 'Match', cell: (m) => (m.method ? `${formatPercent(m.confidence)} · ${methodLabel(m.method)}` : '—') },
          {
            header: 'Decided',
            phone: 'hide',
            cell: (m) =>
              m.decidedAt ? (
                <>
                  <RelativeTime iso={m.decidedAt} /> <span class="small muted">by {actorLabel(m.decidedBy)}</span>
                </>
              ) : (
                <span class="muted">not yet</span>
              ),
          },
          { header: 'Sync', cell: (m) => <StatusBadge status={m.syncEnabled ? 'online' : 'disabled'} label={m.syncEnabled ? 'on' : 'off'} /> },
          { header: 'Actions', phone: 'no-label', cell: (m) => <MappingActions mapping={m} run={run} onMerge={(from) => setMerge({ kind: m.kind, from })} /> },
        ]}
      />
    </section>
  );
}

function MappingActions({
  mapping: m,
  run,
  onMerge,
}: {
  mapping: PlexMapping;
  run: (m: PlexMapping, what: string, call: () => Promise<{ mapping: PlexMapping; reprocessed?: number }>) => Promise<void>;
  onMerge: (from: CatalogItem) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const [tmdb, setTmdb] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const id = `tmdb-${m.id}`;
  const update = (json: Parameters<typeof client.api.plex.mappings[':id']['$post']>[0]['json']) => unwrap(client.api.plex.mappings[':id'].$post({ param: { id: m.id }, json }));

  if (editing) {
    return (
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setFieldError(null);
          try {
            await run(m, `now TMDB ${tmdb.trim()}.`, () => update({ tmdbId: tmdbInput(tmdb) }));
            setEditing(false);
          } catch (err) {
            setFieldError(issueMap(err).tmdbId ?? null);
          }
        }}
      >
        <label for={id}>TMDB id for {m.plexTitle}</label>
        <input id={id} inputMode="numeric" value={tmdb} aria-invalid={fieldError ? 'true' : undefined} aria-describedby={fieldError ? `${id}-err` : undefined} onInput={(e) => setTmdb((e.target as HTMLInputElement).value)} />
        {fieldError && (
          <p class="field-error" id={`${id}-err`} role="alert">
            {fieldError}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="small-btn" disabled={!tmdb.trim()}>
            Save
          </button>
          <button type="button" class="secondary small-btn" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      </form>
    );
  }
  if (picking) {
    return (
      <div class="inline-form">
        <CatalogPicker
          kind={m.kind}
          label={`Map ${m.plexTitle ?? 'it'} to`}
          exclude={m.catalog?.id}
          initialQuery={(m.plexTitle ?? '').slice(0, 4)}
          actionLabel="Map to this"
          onPick={(item) => {
            const json = m.kind === 'show' ? { showId: item.id } : { movieId: item.id };
            void run(m, `now mapped to ${item.title}.`, () => update(json))
              .then(() => setPicking(false))
              .catch(() => undefined);
          }}
        />
        <button type="button" class="secondary small-btn" onClick={() => setPicking(false)}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <div class="actions">
      <button type="button" class="secondary small-btn" onClick={() => setPicking(true)}>
        Map to existing…
      </button>
      {m.catalog && (
        <button type="button" class="secondary small-btn" onClick={() => onMerge({ id: m.catalog!.id, title: m.catalog!.title, year: m.catalog!.year, tmdbId: m.catalog!.tmdbId })}>
          Merge into…
        </button>
      )}
      <button type="button" class="secondary small-btn" onClick={() => { setTmdb(m.catalog?.tmdbId ? String(m.catalog.tmdbId) : ''); setEditing(true); }}>
        Change TMDB id
      </button>
      <button
        type="button"
        class="secondary small-btn"
        onClick={() => void run(m, m.syncEnabled ? 'sync disabled.' : 'sync enabled.', () => update({ syncEnabled: !m.syncEnabled })).catch(() => undefined)}
      >
        {m.syncEnabled ? 'Disable sync' : 'Enable sync'}
      </button>
      <ConfirmButton
        label="Delete"
        confirmLabel="Yes, stop syncing"
        question="Stop syncing this show: later events for it are ignored. Watch history already recorded stays."
        onConfirm={() => run(m, 'no longer synced.', () => unwrap(client.api.plex.mappings[':id'].$delete({ param: { id: m.id } }))).catch(() => undefined)}
      />
    </div>
  );
}
