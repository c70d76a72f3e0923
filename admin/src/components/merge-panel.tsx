/**
 * @module
 * Merging a duplicate show/movie into the one to keep (`POST /api/catalog/merge`): pick both
 * (the duplicate may come preset), read what will happen, confirm. Everything recorded against
 * the duplicate — every account's plays, progress, ratings, manual dates, its episodes and Plex
 * mappings — moves to the one kept; the duplicate is gone. The result says what moved.
 */
import { useState } from 'preact/hooks';
import type { MergeResult } from '../../../worker/src/contracts/library';
import { client, unwrap } from '../api';
import { CatalogPicker, type CatalogItem } from './catalog-picker';
import { ConfirmButton } from './confirm-button';
import { ErrorBanner } from './error-banner';
import { toast } from './toast';

export function mergeSummary(r: MergeResult): string {
  if (r.alreadyMerged) return `“${r.fromTitle}” had already been merged; nothing changed.`;
  const m = r.moved;
  const parts = [
    m.plays && `${m.plays} play${m.plays === 1 ? '' : 's'}`,
    m.episodes && `${m.episodes} episode${m.episodes === 1 ? '' : 's'}`,
    m.episodesJoined && `${m.episodesJoined} episode${m.episodesJoined === 1 ? '' : 's'} joined`,
    m.progress && `${m.progress} resume point${m.progress === 1 ? '' : 's'}`,
    m.ratings && `${m.ratings} rating${m.ratings === 1 ? '' : 's'}`,
    m.mappings && `${m.mappings} Plex mapping${m.mappings === 1 ? '' : 's'}`,
  ].filter(Boolean);
  const folded = m.playsFolded ? ` ${m.playsFolded} viewing${m.playsFolded === 1 ? ' was' : 's were'} recorded on both and counted once.` : '';
  return `Merged “${r.fromTitle}”: ${parts.length ? parts.join(', ') : 'nothing else'} moved.${folded}`;
}

export function MergePanel({ kind: initialKind, from: preset, onDone, onClose }: { kind?: 'show' | 'movie'; from?: CatalogItem | null; onDone?: (r: MergeResult) => void; onClose: () => void }) {
  const [kind, setKind] = useState<'show' | 'movie'>(initialKind ?? 'show');
  const [from, setFrom] = useState<CatalogItem | null>(preset ?? null);
  const [into, setInto] = useState<CatalogItem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const noun = kind === 'show' ? 'show' : 'movie';

  const merge = async () => {
    if (!from || !into) return;
    setError(null);
    try {
      const r = await unwrap(client.api.catalog.merge.$post({ json: { kind, fromId: from.id, intoId: into.id } }));
      toast(mergeSummary(r));
      onDone?.(r);
      onClose();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="card" aria-labelledby="merge-title" data-testid="merge-panel">
      <div class="page-head">
        <h2 id="merge-title">Merge a duplicate {noun}</h2>
        <button type="button" class="secondary small-btn" onClick={onClose}>
          Close
        </button>
      </div>
      {!initialKind && (
        <div class="filters" role="radiogroup" aria-label="What to merge">
          {(['show', 'movie'] as const).map((k) => (
            <label class="inline" key={k}>
              <input
                type="radio"
                name="merge-kind"
                checked={kind === k}
                onChange={() => {
                  setKind(k);
                  setFrom(null);
                  setInto(null);
                }}
              />
              {k === 'show' ? 'Shows' : 'Movies'}
            </label>
          ))}
        </div>
      )}
      <p class="small muted">Everything recorded against the duplicate — every account's plays, resume points, ratings and watched dates, its episodes and Plex mappings — moves to the {noun} you keep. A viewing recorded on both is counted once.</p>
      <ErrorBanner error={error} />
      {from ? (
        <p>
          Duplicate: <strong>{from.title}</strong> {from.year && <span class="muted">({from.year})</span>}{' '}
          {!preset && (
            <button type="button" class="link" onClick={() => setFrom(null)}>
              change
            </button>
          )}
        </p>
      ) : (
        <CatalogPicker kind={kind} label={`Duplicate ${noun} (will be merged away)`} exclude={into?.id} actionLabel="This is the duplicate" onPick={setFrom} />
      )}
      {into ? (
        <p>
          Keep: <strong>{into.title}</strong> {into.year && <span class="muted">({into.year})</span>}{' '}
          <button type="button" class="link" onClick={() => setInto(null)}>
            change
          </button>
        </p>
      ) : (
        <CatalogPicker kind={kind} label={`${noun === 'show' ? 'Show' : 'Movie'} to keep`} exclude={from?.id} initialQuery={from?.title.slice(0, 4) ?? ''} actionLabel="Keep this one" onPick={setInto} />
      )}
      {from && into && (
        <ConfirmButton
          label={`Merge “${from.title}” into “${into.title}”`}
          confirmLabel="Yes, merge them"
          question={`“${from.title}” will be gone; its history becomes part of “${into.title}”.`}
          onConfirm={merge}
        />
      )}
    </section>
  );
}
