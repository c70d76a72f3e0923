/**
 * @module
 * Agents for the admin. "Online" comes from the hub's presence (a parked or recent long-poll)
 * merged with the last time the agent touched SQL, so listing agents never needs agents to
 * write to Postgres while idle. An agent that said it stopped (POST /agent/v1/offline) is offline
 * until it is heard from again; one that never polled is "never connected", not online.
 */
import { desc } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agents } from '../../db/schema';
import type { AgentInfo } from '../../contracts';
import type { AgentPresence } from '../../hub/hub-core';

/** How long after its last poll an agent still counts as online: two long-polls and some slack. */
export function onlineWindowMs(cfg: { AGENT_WAIT_MS: number }): number {
  return 2 * cfg.AGENT_WAIT_MS + 10_000;
}

type Row = typeof agents.$inferSelect;

/** The agent's state from its row and the hub's presence (hub clock and SQL clock never compared). */
export function agentState(a: Row, p: AgentPresence | undefined, now: number, onlineWindowMs: number): { state: AgentInfo['state']; lastSeenMs: number } {
  // SQL activity counts only if it came after the last "going offline".
  const sqlSeen = a.lastSeenAt && (!a.offlineAt || a.lastSeenAt > a.offlineAt) ? a.lastSeenAt.getTime() : 0;
  const hubSeen = p?.lastSeenAt ?? 0;
  const lastSeenMs = Math.max(a.lastSeenAt?.getTime() ?? 0, hubSeen);
  if (a.revokedAt) return { state: 'revoked', lastSeenMs };
  const live = !!p?.waiting || (hubSeen > 0 && now - hubSeen <= onlineWindowMs) || (sqlSeen > 0 && now - sqlSeen <= onlineWindowMs);
  if (live) return { state: 'online', lastSeenMs };
  return { state: lastSeenMs === 0 ? 'never_connected' : 'offline', lastSeenMs };
}

export async function listAgents(db: DbOrTx, presence: AgentPresence[], opts: { onlineWindowMs: number; now?: number }): Promise<AgentInfo[]> {
  const now = opts.now ?? Date.now();
  const live = new Map(presence.map((p) => [p.agentId, p]));
  const rows = await db.select().from(agents).orderBy(desc(agents.createdAt)).limit(500);
  return rows.map((a) => {
    const { state, lastSeenMs } = agentState(a, live.get(a.id), now, opts.onlineWindowMs);
    return {
      id: a.id,
      name: a.name,
      hostname: a.hostname,
      version: a.version,
      tags: a.tags,
      online: state === 'online',
      state,
      lastSeenAt: lastSeenMs ? new Date(lastSeenMs).toISOString() : null,
      offlineAt: a.offlineAt ? a.offlineAt.toISOString() : null,
      currentJobId: a.currentJobId,
      createdAt: a.createdAt.toISOString(),
      revokedAt: a.revokedAt ? a.revokedAt.toISOString() : null,
    };
  });
}
