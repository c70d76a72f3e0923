/**
 * @module
 * The household watch tracker, per Plex account (each account is its own history): watch state
 * per episode/movie, one row per completed play, in-progress position, and ratings. `item_id` is
 * the catalog id (episode or movie, or show for ratings); the typed FK columns keep rows tied to the
 * catalog (cascade on delete). "At most one play per account and item within the completion window"
 * is an exclusion constraint on `plays` (see migration plays_window), so it holds under any
 * concurrency and for every writer (webhook, manual mark, future imports).
 */
import { boolean, doublePrecision, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt } from './columns';
import { episodes, movies, shows } from './catalog';

const itemKind = () => text('kind', { enum: ['episode', 'movie'] }).notNull();
const episodeRef = () => text('episode_id').references(() => episodes.id, { onDelete: 'cascade' });
const movieRef = () => text('movie_id').references(() => movies.id, { onDelete: 'cascade' });
const showRef = () => text('show_id').references(() => shows.id, { onDelete: 'cascade' });

/** What every watch row is about: one account and one catalog episode or movie. */
const watchedItem = () => ({
  accountId: text('account_id').notNull(),
  itemId: text('item_id').notNull(),
  kind: itemKind(),
  episodeId: episodeRef(),
  movieId: movieRef(),
});

/** Plex accounts seen on webhooks (id → last known title), for display only; ids are the identity. */
export const trackerAccounts = pgTable('tracker_accounts', {
  accountId: text('account_id').primaryKey(),
  /** Plex's Account.title as last sent. */
  title: text('title'),
  /** A name a person chose in Settings; wins over `title` everywhere it is shown. */
  displayName: text('display_name'),
  /** When a webhook last named the account; null for an account only named in Settings so far. */
  lastSeenAt: tsz('last_seen_at').defaultNow(),
});

export const watchState = pgTable(
  'watch_state',
  {
    ...watchedItem(),
    /** The episode's show, so per-show totals need no join through episodes. */
    showId: showRef(),
    watched: boolean('watched').notNull().default(false),
    /** The earliest known watch: a later scrobble never moves an earlier (e.g. manual) date forward. */
    watchedAt: tsz('watched_at'),
    plays: integer('plays').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.itemId] }), index('watch_state_show_idx').on(t.showId, t.accountId)],
);

export const plays = pgTable(
  'plays',
  {
    id: text('id').primaryKey(),
    ...watchedItem(),
    showId: showRef(),
    playedAt: tsz('played_at').notNull(),
    /** playedAt + the completion window; [playedAt, windowEnd) ranges may not overlap per account+item. */
    windowEnd: tsz('window_end').notNull(),
    /** Minutes watched come from here: the item's duration at play time. */
    durationMs: integer('duration_ms'),
    source: text('source', { enum: ['webhook', 'manual', 'import'] }).notNull(),
    eventId: text('event_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('plays_event_uq').on(t.eventId),
    index('plays_account_item_idx').on(t.accountId, t.itemId),
    index('plays_show_idx').on(t.showId, t.accountId),
    index('plays_played_at_idx').on(t.playedAt),
  ],
);

export const playbackProgress = pgTable(
  'playback_progress',
  {
    ...watchedItem(),
    viewOffsetMs: integer('view_offset_ms').notNull(),
    durationMs: integer('duration_ms'),
    state: text('state', { enum: ['playing', 'paused', 'stopped'] }).notNull(),
    /** The event's receive time: an older delivery arriving late never overwrites a newer position. */
    updatedAt: tsz('updated_at').notNull(),
    eventId: text('event_id'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.itemId] })],
);

export const ratings = pgTable(
  'ratings',
  {
    accountId: text('account_id').notNull(),
    itemId: text('item_id').notNull(),
    kind: text('kind', { enum: ['show', 'episode', 'movie'] }).notNull(),
    showId: showRef(),
    episodeId: episodeRef(),
    movieId: movieRef(),
    /** Plex userRating, 0–10. */
    rating: doublePrecision('rating').notNull(),
    ratedAt: tsz('rated_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.itemId] })],
);
