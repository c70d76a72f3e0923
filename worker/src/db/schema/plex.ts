/**
 * @module
 * Plex webhook ingestion: the integration's config (one row), the webhook URL secrets (hashed;
 * the previous one stays valid for a grace period after a rotation), the raw event log that
 * every accepted delivery is written to before it is processed, and the durable dedup and
 * rate-limit windows (in Postgres, not isolate memory, so they hold across isolates).
 */
import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt } from './columns';

export const PLEX_CONFIG_ID = 'default';

export const plexConfig = pgTable('plex_config', {
  /** Always PLEX_CONFIG_ID: a single household integration. */
  id: text('id').primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  autoAddShows: boolean('auto_add_shows').notNull().default(true),
  autoMarkWatched: boolean('auto_mark_watched').notNull().default(true),
  watchedThreshold: doublePrecision('watched_threshold').notNull().default(0.9),
  /** Plex Account.id values (as text); empty = every account. Titles are never trusted. */
  trackedAccountIds: text('tracked_account_ids').array().notNull().default(sql`'{}'::text[]`),
  /** Only this Plex Server.uuid is accepted; null = any server. */
  serverUuid: text('server_uuid'),
  /** secret-box sealed values (`v1.<iv>.<ciphertext>`); never returned by the API. */
  plexTokenEnc: text('plex_token_enc'),
  tmdbApiKeyEnc: text('tmdb_api_key_enc'),
  rateLimitPerMinute: integer('rate_limit_per_minute').notNull().default(100),
  playWindowMinutes: integer('play_window_minutes').notNull().default(360),
  secretGraceHours: integer('secret_grace_hours').notNull().default(24),
  logRetentionDays: integer('log_retention_days').notNull().default(90),
  lastWebhookAt: tsz('last_webhook_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const plexWebhookSecrets = pgTable(
  'plex_webhook_secrets',
  {
    id: text('id').primaryKey(),
    /** SHA-256 (hex) of the URL secret: the lookup key; compared again in constant time. */
    secretHash: text('secret_hash').notNull().unique(),
    /** The secret sealed with SECRETS_KEY so GET /api/plex/config can show the URL; null without a key. */
    secretEnc: text('secret_enc'),
    createdAt: createdAt(),
    /** null for the current secret; set on rotation to now + grace for the previous one. */
    expiresAt: tsz('expires_at'),
  },
  (t) => [index('plex_webhook_secrets_expires_idx').on(t.expiresAt)],
);

export const WEBHOOK_STATUSES = ['pending', 'processed', 'ignored', 'duplicate', 'waiting', 'failed'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    receivedAt: tsz('received_at').notNull().defaultNow(),
    secretId: text('secret_id'),
    serverUuid: text('server_uuid'),
    accountId: text('account_id'),
    accountTitle: text('account_title'),
    event: text('event').notNull(),
    ratingKey: text('rating_key'),
    mediaType: text('media_type'),
    title: text('title'),
    showTitle: text('show_title'),
    season: integer('season'),
    episode: integer('episode'),
    status: text('status', { enum: WEBHOOK_STATUSES }).notNull(),
    /** What processing did, in words ("marked watched", "progress 42%", "account not tracked"). */
    action: text('action'),
    error: text('error'),
    processingMs: integer('processing_ms'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tsz('next_attempt_at'),
    /** A processing run holds the event until then, so the waitUntil run and a retry never overlap. */
    lockedUntil: tsz('locked_until'),
    processedAt: tsz('processed_at'),
    waitingConflictId: text('waiting_conflict_id'),
    dedupKey: text('dedup_key'),
    /** The payload JSON exactly as parsed (the thumb image is never stored). */
    payload: jsonb('payload').notNull(),
    /** Non-secret request headers (User-Agent, Content-Type, Content-Length). */
    headers: jsonb('headers').$type<Record<string, string>>().notNull(),
    sourceIp: text('source_ip'),
  },
  (t) => [
    index('webhook_events_received_idx').on(t.receivedAt, t.id),
    index('webhook_events_status_idx').on(t.status, t.receivedAt),
    index('webhook_events_retry_idx').on(t.nextAttemptAt).where(sql`status = 'failed' AND next_attempt_at IS NOT NULL`),
    index('webhook_events_waiting_idx').on(t.waitingConflictId).where(sql`waiting_conflict_id IS NOT NULL`),
  ],
);

/**
 * One row per dedup key (server + account + ratingKey + event [+ position]). A delivery is new
 * only if it can insert the row or move a row older than the dedup window: one atomic upsert,
 * so concurrent identical deliveries cannot both win.
 */
export const webhookDedup = pgTable('webhook_dedup', {
  key: text('key').primaryKey(),
  eventId: text('event_id').notNull(),
  seenAt: tsz('seen_at').notNull().defaultNow(),
});

/** Fixed one-minute windows per secret for the webhook rate limit. */
export const webhookRateWindows = pgTable(
  'webhook_rate_windows',
  {
    secretId: text('secret_id').notNull(),
    windowStart: tsz('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.windowStart] })],
);
