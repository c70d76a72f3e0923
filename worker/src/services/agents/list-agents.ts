/**
 * @module
 * Agents for the admin. "Online" comes from the hub's presence (a parked or recent long-poll)
 * merged with the last time the agent touched SQL, so listing agents never needs agents to
 * write to Postgres while idle.
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

export async function listAgents(db: DbOrTx, presence: AgentPresence[], opts: { onlineWindowMs: number; now?: number }): Promise<AgentInfo[]> {
  const now = opts.now ?? Date.now();
  const live = new Map(presence.map((p) => [p.agentId, p]));
  const rows = await db.select().from(agents).orderBy(desc(agents.createdAt)).limit(500);
  return rows.map((a) => {
    const p = live.get(a.id);
    const seen = Math.max(a.lastSeenAt?.getTime() ?? 0, p?.lastSeenAt ?? 0);
    return {
      id: a.id,
      name: a.name,
      hostname: a.hostname,
      version: a.version,
      tags: a.tags,
      online: !a.revokedAt && (!!p?.waiting || (seen > 0 && now - seen <= opts.onlineWindowMs)),
      lastSeenAt: seen ? new Date(seen).toISOString() : null,
      currentJobId: a.currentJobId,
      createdAt: a.createdAt.toISOString(),
      revokedAt: a.revokedAt ? a.revokedAt.toISOString() : null,
    };
  });
}
