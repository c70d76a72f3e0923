/**
 * @module
 * The webhook log as the admin reads it: newest first, keyset-paginated on (received_at, id) —
 * to the microsecond, see lib/cursor.ts —
 * filterable by status and event. The list never carries payloads; the detail does.
 */
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { webhookEvents, type WebhookStatus } from '../../db/schema';
import type { WebhookLogDetail, WebhookLogItem } from '../../contracts/plex';
import { afterKeyset, decodeKeyset, paginate, timeKey } from '../../lib/cursor';
import { plexPosterOwner, plexRef, posterUrl } from '../posters/refs';

/** The Plex poster of a logged event's show or movie (the stored payload says which item owns it). */
function eventPoster(r: Row): string | null {
  const meta = (r.payload as { Metadata?: Record<string, unknown> } | null)?.Metadata;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const owner = meta ? plexPosterOwner({ type: str(meta.type), ratingKey: str(meta.ratingKey), parentRatingKey: str(meta.parentRatingKey), grandparentRatingKey: str(meta.grandparentRatingKey) }) : null;
  return posterUrl({ plex: plexRef(r.serverUuid, owner) });
}

type Row = typeof webhookEvents.$inferSelect;

export function toLogItem(r: Row): WebhookLogItem {
  return {
    id: r.id,
    receivedAt: r.receivedAt.toISOString(),
    event: r.event,
    status: r.status,
    account: { id: r.accountId, title: r.accountTitle },
    serverUuid: r.serverUuid,
    mediaType: r.mediaType,
    title: r.title,
    showTitle: r.showTitle,
    season: r.season,
    episode: r.episode,
    action: r.action,
    error: r.error,
    processingMs: r.processingMs,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
    waitingConflictId: r.waitingConflictId,
    posterUrl: eventPoster(r),
  };
}

export async function listWebhookEvents(
  db: DbOrTx,
  q: { status?: WebhookStatus | undefined; event?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: WebhookLogItem[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (q.status) where.push(eq(webhookEvents.status, q.status));
  if (q.event) where.push(eq(webhookEvents.event, q.event));
  if (q.cursor) {
    const [at, id] = decodeKeyset(q.cursor, ['time', 'id']) as [string, string];
    where.push(afterKeyset('desc', webhookEvents.receivedAt, webhookEvents.id, at, id, 'time'));
  }
  const rows = await db
    .select({ event: webhookEvents, key: timeKey(webhookEvents.receivedAt) })
    .from(webhookEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
    .limit(q.limit + 1);
  const page = paginate(rows, q.limit, (r) => [r.key, r.event.id]);
  return { items: page.items.map((r) => toLogItem(r.event)), nextCursor: page.nextCursor };
}

export async function getWebhookEvent(db: DbOrTx, id: string): Promise<WebhookLogDetail | null> {
  const [r] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).limit(1);
  if (!r) return null;
  return { ...toLogItem(r), payload: r.payload, headers: r.headers, sourceIp: r.sourceIp, ratingKey: r.ratingKey };
}
