/**
 * @module
 * The seam between webhook processing and matching. Processing turns a Plex payload into a
 * PlexItemRef; matching turns that into a catalog row (show+episode or movie) or a conflict
 * that a person resolves. One mapping per Plex show (server + grandparent guid/ratingKey)
 * covers every later episode and every account.
 */
import type { Logger } from '../../lib/logger';

/** What the matcher needs to know about a Plex item, taken from a webhook's Metadata. */
export interface PlexItemRef {
  serverUuid: string | null;
  type: 'episode' | 'movie' | 'show' | 'season';
  ratingKey: string | null;
  guid: string | null;
  /** For episodes: the season's guid; for seasons: the show's guid. */
  parentGuid: string | null;
  /** For episodes: the show's guid (the key to per-show mappings). */
  grandparentGuid: string | null;
  parentRatingKey: string | null;
  grandparentRatingKey: string | null;
  /** Metadata.Guid[] ids, e.g. ["imdb://tt…", "tmdb://…", "tvdb://…"]. On episodes these are the EPISODE's ids. */
  externalGuids: string[];
  title: string | null;
  /** For episodes: the show title. */
  grandparentTitle: string | null;
  /** For seasons: the show title (optional; falls back to grandparentTitle). */
  parentTitle?: string | null;
  year: number | null;
  /** Episode number (episodes) or season number (seasons). */
  index: number | null;
  /** Season number (episodes). */
  parentIndex: number | null;
  /** Milliseconds. */
  duration: number | null;
}

export type MatchMethod =
  | 'mapping' // an earlier decision for this Plex show
  | 'guid-tmdb'
  | 'guid-tvdb'
  | 'guid-imdb'
  | 'tmdb-find-episode'
  | 'fuzzy-title-year'
  | 'manual'
  | 'plex-metadata'; // no TMDB key: matched on Plex's own ids/title/year

export type MatchOutcome =
  | {
      status: 'matched';
      kind: 'episode';
      mappingId: string;
      showId: string;
      episodeId: string;
      season: number;
      episode: number;
      confidence: number;
      method: MatchMethod;
    }
  | { status: 'matched'; kind: 'movie'; mappingId: string; movieId: string; confidence: number; method: MatchMethod }
  /** A show-level item (library.new for a show/season): the show exists in the catalog. */
  | { status: 'matched'; kind: 'show'; mappingId: string; showId: string; confidence: number; method: MatchMethod }
  /** Low confidence or several close candidates: a person decides; the event waits. */
  | { status: 'conflict'; mappingId: string; conflictId: string }
  /** The mapping for this Plex show was disabled or ignored by a person. */
  | { status: 'skipped'; mappingId: string; reason: 'sync-disabled' | 'ignored' };

export interface MatchDeps {
  /** null when no TMDB key is configured: matching degrades to Plex metadata. */
  tmdb: import('../tmdb/client').TmdbClient | null;
  logger: Logger;
  /** Whether a brand-new show/movie may be added to the catalog (config autoAddShows / library.new). */
  allowCreate: boolean;
}
