/**
 * @module
 * The household's Plex accounts as the admin shows them (`/api/accounts`), and what each is
 * watching (`/api/watching`): resume points left by pause/stop events, and the next episode of
 * every show an account has been watching. An account is identified by its Plex Account.id; its
 * name is the one chosen in Settings, else the title Plex last sent, else "Plex account <id>".
 */
import { z } from 'zod';

export const AccountIdParam = z.object({ id: z.string().regex(/^\d{1,20}$/, 'must be a Plex account id (digits)') });

export const AccountInfo = z.object({
  id: z.string(),
  /** What to call the account everywhere: displayName ?? plexTitle ?? "Plex account <id>". */
  name: z.string(),
  displayName: z.string().nullable(),
  /** Account.title as Plex last sent it. */
  plexTitle: z.string().nullable(),
  /** When a webhook last named it; null when it is only listed in the tracked accounts so far. */
  lastSeenAt: z.string().nullable(),
  /** Whether its events are processed (every account is, when the tracked list is empty). */
  tracked: z.boolean(),
});
export type AccountInfo = z.infer<typeof AccountInfo>;

export const AccountList = z.object({ items: z.array(AccountInfo) });
export type AccountList = z.infer<typeof AccountList>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Control characters and lone surrogates have no place in a name shown on every page. */
const DisplayName = z
  .string()
  .trim()
  .min(1, 'Name is required (or send null to go back to the name from Plex).')
  .max(60, 'Name must be at most 60 characters.')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s) && !LONE_SURROGATE.test(s), 'Name may not contain control characters or broken characters.');

export const AccountUpdate = z.strictObject({ displayName: DisplayName.nullable() });
export type AccountUpdate = z.input<typeof AccountUpdate>;

export const WatchingQuery = z.object({ accountId: z.string().regex(/^\d{1,20}$/, 'must be a Plex account id (digits)').optional() });

export const InProgressItem = z.object({
  accountId: z.string(),
  kind: z.enum(['episode', 'movie']),
  itemId: z.string(),
  showId: z.string().nullable(),
  /** The show (episodes) or the movie. */
  title: z.string(),
  episodeTitle: z.string().nullable(),
  season: z.number().int().nullable(),
  episode: z.number().int().nullable(),
  viewOffsetMs: z.number().int(),
  durationMs: z.number().int().nullable(),
  state: z.enum(['playing', 'paused', 'stopped']),
  updatedAt: z.string(),
});
export type InProgressItem = z.infer<typeof InProgressItem>;

export const NextUpItem = z.object({
  accountId: z.string(),
  showId: z.string(),
  showTitle: z.string(),
  /** The highest-numbered episode the account has seen. */
  last: z.object({ season: z.number().int(), episode: z.number().int() }),
  lastWatchedAt: z.string().nullable(),
  /** The first later episode the catalog knows and the account has not seen; null when the catalog knows none yet. */
  next: z.object({ episodeId: z.string(), season: z.number().int(), episode: z.number().int(), title: z.string().nullable() }).nullable(),
  watchedEpisodes: z.number().int(),
  /** From TMDB; null when unknown (then "next" only says what the catalog knows). */
  totalEpisodes: z.number().int().nullable(),
});
export type NextUpItem = z.infer<typeof NextUpItem>;

export const Watching = z.object({ inProgress: z.array(InProgressItem), nextUp: z.array(NextUpItem) });
export type Watching = z.infer<typeof Watching>;
