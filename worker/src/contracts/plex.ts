/**
 * @module
 * The Plex integration's admin API and the webhook endpoint's answers (camelCase on the wire).
 * Secrets go in (`plexToken`, `tmdbApiKey` on PUT) but never come out: reads only say whether
 * one is set (`hasPlexToken`, `hasTmdbKey`).
 */
import { z } from 'zod';
import { storableText } from './storable';

export const WebhookStatus = z.enum(['pending', 'processed', 'ignored', 'duplicate', 'waiting', 'failed']);
export type WebhookStatus = z.infer<typeof WebhookStatus>;

/** 200 answer of POST /webhooks/plex/:secret. */
export const WebhookAccepted = z.object({ status: z.enum(['accepted', 'duplicate', 'ignored']), id: z.string() });
export type WebhookAccepted = z.infer<typeof WebhookAccepted>;

/** Plex Account.id values; numbers are accepted and kept as strings. */
const AccountId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/, 'must be a Plex account id (digits)')]).transform(String);

export const PlexConfigUpdate = z.strictObject({
  enabled: z.boolean().optional(),
  autoAddShows: z.boolean().optional(),
  autoMarkWatched: z.boolean().optional(),
  watchedThreshold: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  trackedAccountIds: z.array(AccountId).max(100).optional(),
  serverUuid: storableText(z.string().trim().min(1).max(100)).nullable().optional(),
  /** null clears the stored token; omitted keeps it. */
  plexToken: storableText(z.string().trim().min(1).max(500)).nullable().optional(),
  tmdbApiKey: storableText(z.string().trim().min(1).max(1000)).nullable().optional(),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).optional(),
  playWindowMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
  secretGraceHours: z.number().int().min(0).max(24 * 30).optional(),
  logRetentionDays: z.number().int().min(1).max(3650).optional(),
});
export type PlexConfigUpdate = z.input<typeof PlexConfigUpdate>;

export const PlexConfig = z.object({
  enabled: z.boolean(),
  autoAddShows: z.boolean(),
  autoMarkWatched: z.boolean(),
  watchedThreshold: z.number(),
  trackedAccountIds: z.array(z.string()),
  serverUuid: z.string().nullable(),
  hasPlexToken: z.boolean(),
  hasTmdbKey: z.boolean(),
  /** Absolute URL to paste into Plex; null when no secret exists yet, or when it cannot be shown (no SECRETS_KEY). */
  webhookUrl: z.string().nullable(),
  lastWebhookAt: z.string().nullable(),
  rateLimitPerMinute: z.number().int(),
  playWindowMinutes: z.number().int(),
  secretGraceHours: z.number().int(),
  logRetentionDays: z.number().int(),
});
export type PlexConfig = z.infer<typeof PlexConfig>;

export const RotateSecretResponse = z.object({ webhookUrl: z.string(), previousValidUntil: z.string().nullable() });
export type RotateSecretResponse = z.infer<typeof RotateSecretResponse>;

export const WebhookLogQuery = z.object({
  status: WebhookStatus.optional(),
  event: storableText(z.string().min(1).max(100)).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

export const WebhookLogItem = z.object({
  id: z.string(),
  receivedAt: z.string(),
  event: z.string(),
  status: WebhookStatus,
  account: z.object({ id: z.string().nullable(), title: z.string().nullable() }),
  serverUuid: z.string().nullable(),
  mediaType: z.string().nullable(),
  title: z.string().nullable(),
  showTitle: z.string().nullable(),
  season: z.number().int().nullable(),
  episode: z.number().int().nullable(),
  action: z.string().nullable(),
  error: z.string().nullable(),
  processingMs: z.number().int().nullable(),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  waitingConflictId: z.string().nullable(),
  /** The poster Plex attached for this item (kept once per show/movie), or null. */
  posterUrl: z.string().nullable(),
});
export type WebhookLogItem = z.infer<typeof WebhookLogItem>;

export const WebhookLogDetail = WebhookLogItem.extend({
  payload: z.unknown(),
  headers: z.record(z.string(), z.string()),
  sourceIp: z.string().nullable(),
  ratingKey: z.string().nullable(),
});
export type WebhookLogDetail = z.infer<typeof WebhookLogDetail>;

const StatusCounts = z.record(WebhookStatus, z.number().int());

export const PlexStats = z.object({
  shows: z.number().int(),
  movies: z.number().int(),
  mapped: z.number().int(),
  unresolvedConflicts: z.number().int(),
  webhooks: z.object({ last24h: StatusCounts, last7d: StatusCounts }),
  /** processed / (processed + failed) over 7 days; null with no such events. */
  successRate: z.number().nullable(),
  lastWebhookAt: z.string().nullable(),
  playsPerDay: z.array(z.object({ day: z.string(), plays: z.number().int() })),
});
export type PlexStats = z.infer<typeof PlexStats>;
