/**
 * @module
 * Watch statistics for the graphs (`GET /api/stats`) and the per-account pages (`/api/stats/accounts*`).
 * Every number is an SQL aggregate over completed plays. Days, hours and weekdays are counted in
 * the time zone the caller names (`tz`, an IANA name; the admin sends the browser's), UTC by
 * default: Plex webhooks carry no time zone for an account, so "the viewer's local day" is the
 * honest choice.
 */
import { z } from 'zod';
import { PageQuery } from './pagination';
import { RecentPlay } from './overview';

export const TimeZoneParam = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'must be an IANA time zone name such as Europe/Berlin')
  .default('UTC');

export const StatsQuery = z.object({
  days: z.coerce.number().int().min(7, 'must be between 7 and 365').max(365, 'must be between 7 and 365').default(30),
  tz: TimeZoneParam,
  accountId: z.string().regex(/^\d{1,20}$/, 'must be a Plex account id (digits)').optional(),
});
export type StatsQuery = z.input<typeof StatsQuery>;

export const StatsAccount = z.object({ id: z.string(), title: z.string().nullable(), plays: z.number().int() });

export const TopItem = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  plays: z.number().int(),
  /** Distinct accounts that played it in the window. */
  accounts: z.number().int(),
  posterUrl: z.string().nullable(),
});
export type TopItem = z.infer<typeof TopItem>;

export const PlayStats = z.object({
  timeZone: z.string(),
  days: z.number().int(),
  /** First and last local day of the window (YYYY-MM-DD), both included. */
  from: z.string(),
  to: z.string(),
  accounts: z.array(StatsAccount),
  /** One entry per local day, oldest first, zero days included. */
  perDay: z.array(z.object({ day: z.string(), episodes: z.number().int(), movies: z.number().int(), byAccount: z.record(z.string(), z.number().int()) })),
  /** 24 entries, hour 0–23 local time. */
  byHour: z.array(z.object({ hour: z.number().int(), episodes: z.number().int(), movies: z.number().int() })),
  /** 7 entries, ISO weekday 1 (Monday) to 7 (Sunday). */
  byWeekday: z.array(z.object({ weekday: z.number().int(), episodes: z.number().int(), movies: z.number().int() })),
  topShows: z.array(TopItem),
  topMovies: z.array(TopItem),
  totals: z.object({ plays: z.number().int(), episodes: z.number().int(), movies: z.number().int(), minutes: z.number().int() }),
});
export type PlayStats = z.infer<typeof PlayStats>;

export const AccountSummary = z.object({
  id: z.string(),
  title: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  lastPlayedAt: z.string().nullable(),
  plays: z.number().int(),
  minutes: z.number().int(),
});
export type AccountSummary = z.infer<typeof AccountSummary>;

export const FavouriteShow = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  plays: z.number().int(),
  watchedEpisodes: z.number().int(),
  totalEpisodes: z.number().int().nullable(),
  lastPlayedAt: z.string(),
  posterUrl: z.string().nullable(),
});
export type FavouriteShow = z.infer<typeof FavouriteShow>;

export const AccountDetail = AccountSummary.extend({
  episodes: z.number().int(),
  movies: z.number().int(),
  shows: z.number().int(),
  /** Most played shows, all time. */
  favouriteShows: z.array(FavouriteShow),
});
export type AccountDetail = z.infer<typeof AccountDetail>;

export const AccountPlaysQuery = PageQuery;
export const AccountPlaysPage = z.object({ items: z.array(RecentPlay), nextCursor: z.string().nullable() });
export type AccountPlaysPage = z.infer<typeof AccountPlaysPage>;
