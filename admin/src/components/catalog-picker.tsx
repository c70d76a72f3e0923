/**
 * @module
 * Finding a show or movie already in the catalog by title (the same search as the Library:
 * substring or trigram match, accents folded), to map a Plex item to it or to merge into it.
 */
import { useEffect, useState } from 'preact/hooks';
import { client, unwrap } from '../api';
import { ErrorBanner } from './error-banner';

export interface CatalogItem {
  id: string;
  title: string;
  year: number | null;
  tmdbId: number | null;
}

export function CatalogPicker({
  kind,
  label,
  exclude,
  initialQuery = '',
  actionLabel,
  onPick,
}: {
  kind: 'show' | 'movie';
  label: string;
  /** An id not to offer (the item itself). */
  exclude?: string | null | undefined;
  initialQuery?: string;
  actionLabel: string;
  onPick: (item: CatalogItem) => void;
}) {
  const [text, setText] = useState(initialQuery);
  const [items, setItems] = useState<CatalogItem[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const id = `picker-${kind}-${label.replace(/\W+/g, '-').toLowerCase()}`;

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setItems(null);
      return;
    }
    let live = true;
    const t = window.setTimeout(async () => {
      try {
        const query = { query: q, limit: '10' };
        const page = kind === 'show' ? await unwrap(client.api.shows.$get({ query })) : await unwrap(client.api.movies.$get({ query }));
        if (live) {
          setItems(page.items.filter((i) => i.id !== exclude).map((i) => ({ id: i.id, title: i.title, year: i.year, tmdbId: i.tmdbId })));
          setError(null);
        }
      } catch (err) {
        if (live) setError(err);
      }
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, kind, exclude]);

  return (
    <div class="picker" data-testid={id}>
      <label for={id}>{label}</label>
      <input id={id} type="search" value={text} placeholder={kind === 'show' ? 'Show title' : 'Movie title'} autocomplete="off" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <ErrorBanner error={error} />
      {items && items.length === 0 && <p class="small muted">No {kind} in the catalog matches “{text.trim()}”.</p>}
      {items && items.length > 0 && (
        <ul class="picker-results" aria-label={`${kind === 'show' ? 'Shows' : 'Movies'} matching “${text.trim()}”`}>
          {items.map((i) => (
            <li key={i.id}>
              <span style={{ flex: 1 }}>
                {i.title} {i.year && <span class="muted">({i.year})</span>}
                <span class="small muted"> · {i.tmdbId ? `TMDB ${i.tmdbId}` : 'no TMDB id'}</span>
              </span>
              <button type="button" class="secondary small-btn" onClick={() => onPick(i)} aria-label={`${actionLabel}: ${i.title}${i.year ? ` (${i.year})` : ''}`}>
                {actionLabel}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
