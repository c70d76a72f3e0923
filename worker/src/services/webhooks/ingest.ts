/**
 * @module
 * The synchronous half of a delivery, kept to two statements so the 200 goes out fast (an
 * unknown secret costs none: the gate in webhook-gate.ts refuses it before any query):
 * 1. authenticate: secret lookup by hash (+ constant-time compare), the per-secret rate-limit
 *    window (counted in Postgres, so it holds across isolates) and the config, in one query;
 * 2. store: the durable dedup upsert and the event insert, in one statement (atomic without a
 *    transaction): of N concurrent identical deliveries exactly one is `pending`, the rest are
 *    `duplicate`. The event row is committed before the response, so nothing accepted is lost.
 *    A redelivery whose dedup key is held by a *stranded* event (still `pending`, its run died:
 *    see retry.ts) revives that event instead of being swallowed as a duplicate, and every
 *    delivery hands back a few other stranded events for its after-response run to pick up.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { PLEX_CONFIG_ID } from '../../db/schema';
import { newId, timingSafeEqual } from '../../lib/crypto';
import { DEFAULT_CONFIG } from './config';
import type { PlexPayload } from './payload';
import { dedupKey, summaryOf } from './payload';
import { DEFAULT_LOCK_MS } from './retry-policy';

export const DEDUP_WINDOW_SECONDS = 300;

export interface IngestConfig {
  enabled: boolean;
  serverUuid: string | null;
  trackedAccountIds: string[];
}

export type AuthResult =
  | { ok: false; reason: 'unknown-secret' }
  | { ok: false; reason: 'rate-limited'; retryAfterSeconds: number; limit: number }
  | { ok: true; secretId: string; config: IngestConfig };

interface AuthRow extends Record<string, unknown> {
  id: string;
  secret_hash: string;
  count: number | null;
  reset_in: number | string | null;
  enabled: boolean | null;
  server_uuid: string | null;
  tracked_account_ids: string[] | null;
  rate_limit_per_minute: number | null;
}

/** Secrets are 43 base64url chars; anything else cannot match and costs nothing. */
export function isSecretShaped(presented: string): boolean {
  return /^[A-Za-z0-9_-]{20,128}$/.test(presented);
}

/** `hash` is the SHA-256 (hex) of the presented secret. */
export async function authenticateWebhook(db: DbOrTx, hash: string): Promise<AuthResult> {
  const result = await db.execute<AuthRow>(sql`
    WITH s AS (
      SELECT id, secret_hash FROM plex_webhook_secrets
      WHERE secret_hash = ${hash} AND (expires_at IS NULL OR expires_at > now())
    ), r AS (
      INSERT INTO webhook_rate_windows (secret_id, window_start, count)
      SELECT s.id, date_trunc('minute', now()), 1 FROM s
      ON CONFLICT (secret_id, window_start) DO UPDATE SET count = webhook_rate_windows.count + 1
      RETURNING count, window_start
    )
    SELECT s.id, s.secret_hash, r.count,
           extract(epoch FROM (r.window_start + interval '1 minute' - now())) AS reset_in,
           c.enabled, c.server_uuid, c.tracked_account_ids, c.rate_limit_per_minute
    FROM s LEFT JOIN r ON true LEFT JOIN plex_config c ON c.id = ${PLEX_CONFIG_ID}`);
  const row = result.rows[0];
  // The index found it by hash; compare again without an early exit so timing says nothing.
  if (!row || !timingSafeEqual(row.secret_hash, hash)) return { ok: false, reason: 'unknown-secret' };
  const limit = row.rate_limit_per_minute ?? DEFAULT_CONFIG.rateLimitPerMinute;
  if ((row.count ?? 0) > limit) {
    return { ok: false, reason: 'rate-limited', limit, retryAfterSeconds: Math.max(1, Math.ceil(Number(row.reset_in ?? 60))) };
  }
  return {
    ok: true,
    secretId: row.id,
    config: {
      enabled: row.enabled ?? DEFAULT_CONFIG.enabled,
      serverUuid: row.server_uuid ?? null,
      trackedAccountIds: row.tracked_account_ids ?? [],
    },
  };
}

const HANDLED_EVENTS = new Set(['media.play', 'media.pause', 'media.resume', 'media.stop', 'media.scrobble', 'media.rate', 'library.new']);

/** Why a delivery needs no processing, decided from the payload and config alone; null = process it. */
export function ignoreReason(p: PlexPayload, cfg: IngestConfig): string | null {
  if (!cfg.enabled) return 'integration disabled';
  if (!HANDLED_EVENTS.has(p.event)) return `event ${p.event} is not tracked`;
  if (cfg.serverUuid) {
    const uuid = p.Server?.uuid;
    if (uuid && uuid !== cfg.serverUuid) return 'server not allowed (Server.uuid does not match)';
    // Plex sends library.new without a Server object: the filter cannot apply to it (WatchState
    // exempts it too), and rejecting it would silently turn auto-add off whenever the filter is on.
    if (!uuid && p.event !== 'library.new') return 'server not allowed (no Server.uuid, and only one server is accepted)';
  }
  // library.new is server-wide: it carries the owner's account whoever is tracked (as WatchState does).
  if (p.event !== 'library.new' && cfg.trackedAccountIds.length > 0) {
    const id = p.Account?.id;
    if (!id || !cfg.trackedAccountIds.includes(id)) return id ? `account ${id} is not tracked` : 'account not tracked (no Account.id)';
  }
  return null;
}

export interface StoreInput {
  secretId: string | null;
  payload: PlexPayload;
  raw: Record<string, unknown>;
  headers: Record<string, string>;
  sourceIp: string | null;
  /** Set when the delivery is stored as `ignored` without processing. */
  ignored: string | null;
  /**
   * Set when the payload cannot be processed as it arrived (payloadProblems): it is stored
   * (sanitised) as `failed` with this reason, outside dedup, and never retried on its own.
   */
  refused?: string | null;
  /** Processing lock (ms), which decides what counts as stranded; DEFAULT_LOCK_MS when absent. */
  lockMs?: number;
}

/** How many stranded events one delivery picks up on the way (the retrier alarm takes the rest). */
const STRANDED_PER_DELIVERY = 5;

export interface Stored {
  id: string;
  status: 'pending' | 'duplicate' | 'ignored' | 'failed';
  /** A duplicate of a stranded event: that event (this id) must be processed again now. */
  revived: string | null;
  /** Other stranded events to process after the response (bounded). */
  stranded: string[];
}

export async function storeEvent(db: DbOrTx, input: StoreInput): Promise<Stored> {
  const id = newId('whe');
  const s = summaryOf(input.payload);
  const key = dedupKey(input.payload);
  const cols = sql`id, secret_id, server_uuid, account_id, account_title, event, rating_key, media_type, title, show_title, season, episode, dedup_key, payload, headers, source_ip, status, action, processed_at`;
  const vals = sql`${id}, ${input.secretId}, ${s.serverUuid}, ${s.accountId}, ${s.accountTitle}, ${s.event}, ${s.ratingKey}, ${s.mediaType},
    ${s.title}, ${s.showTitle}, ${s.season}, ${s.episode}, ${key}, ${JSON.stringify(input.raw)}::jsonb, ${JSON.stringify(input.headers)}::jsonb, ${input.sourceIp}`;
  if (input.refused) {
    await db.execute(sql`INSERT INTO webhook_events (${cols}, error) VALUES (${vals}, 'failed', 'refused: not processed; replay it once the sender is fixed', now(), ${input.refused})`);
    return { id, status: 'failed', revived: null, stranded: [] };
  }
  if (input.ignored) {
    await db.execute(sql`INSERT INTO webhook_events (${cols}) VALUES (${vals}, 'ignored', ${input.ignored}, now())`);
    return { id, status: 'ignored', revived: null, stranded: [] };
  }
  const lock = sql`(${input.lockMs ?? DEFAULT_LOCK_MS}::int * interval '1 millisecond')`;
  const stranded = sql`e.status = 'pending' AND coalesce(e.locked_until, e.received_at + ${lock}) < now()`;
  // CTEs read the snapshot from before this statement: `holder` sees the dedup row as it was.
  const result = await db.execute<{ status: 'pending' | 'duplicate'; revived: string | null; stranded: string[] | null }>(sql`
    WITH d AS (
      INSERT INTO webhook_dedup (key, event_id, seen_at) VALUES (${key}, ${id}, now())
      ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, seen_at = excluded.seen_at
      WHERE webhook_dedup.seen_at < now() - make_interval(secs => ${DEDUP_WINDOW_SECONDS})
      RETURNING event_id
    ), holder AS (
      SELECT e.id FROM webhook_dedup k JOIN webhook_events e ON e.id = k.event_id
      WHERE k.key = ${key} AND NOT EXISTS (SELECT 1 FROM d) AND ${stranded}
    ), others AS (
      SELECT e.id FROM webhook_events e WHERE ${stranded} ORDER BY e.received_at LIMIT ${STRANDED_PER_DELIVERY}
    )
    INSERT INTO webhook_events (${cols})
    SELECT ${vals},
      CASE WHEN EXISTS (SELECT 1 FROM d) THEN 'pending' ELSE 'duplicate' END,
      CASE WHEN EXISTS (SELECT 1 FROM d) THEN NULL
           WHEN EXISTS (SELECT 1 FROM holder) THEN 'redelivery of ' || (SELECT id FROM holder) || ', which was stranded: processing that one again'
           ELSE 'identical delivery within 5 minutes' END,
      CASE WHEN EXISTS (SELECT 1 FROM d) THEN NULL ELSE now() END
    RETURNING status, (SELECT id FROM holder) AS revived, ARRAY(SELECT id FROM others) AS stranded`);
  const row = result.rows[0];
  const revived = row?.revived ?? null;
  return { id, status: row?.status ?? 'pending', revived, stranded: (row?.stranded ?? []).filter((s) => s !== revived) };
}
