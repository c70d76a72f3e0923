/**
 * @module
 * The benchmark's baseline: store a parsed delivery with one plain INSERT (no secret check, no
 * rate limit, no dedup, no processing), to compare the real endpoint's cost against.
 */
import { webhookEvents } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import { newId } from '../../lib/crypto';
import type { PlexPayload } from './payload';

export async function storeBaselineEvent(db: DbOrTx, payload: PlexPayload, raw: Record<string, unknown>): Promise<string> {
  const id = newId('whb');
  await db.insert(webhookEvents).values({ id, event: payload.event, status: 'ignored', action: 'bench baseline', payload: raw, headers: {} });
  return id;
}
