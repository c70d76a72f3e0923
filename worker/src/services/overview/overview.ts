/**
 * @module
 * The dashboard's answer, assembled from a handful of small statements run side by side (each
 * uses an index: received_at / status on webhook events, status on conflicts and jobs), plus the
 * hub's agent presence. `readBadges` is the one-statement subset the navigation streams on every
 * other page. `refreshAt` tells a live view when the answer changes by the clock alone (a session
 * expiring, an agent going quiet), so it can look again then and not on a timer.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { AgentPresence } from '../../hub/hub-core';
import type { Progress } from '../../contracts';
import type { Badges, FirstRun, Overview, OverviewApproval, OverviewConflict, OverviewJob, WebhookHealth } from '../../contracts/overview';
import { listAgents } from '../agents/list-agents';
import { plexRef, posterUrl } from '../posters/refs';
import { listPlays } from '../stats/plays-list';
import { PLAYBACK_EVENTS } from './now-playing';
import { readNowPlaying } from './now-playing-query';

const iso = (v: Date | string | null | undefined) => (v === null || v === undefined ? null : new Date(v).toISOString());
const int = (v: unknown) => Number(v ?? 0);

export async function readBadges(db: DbOrTx): Promise<Badges> {
  const r = await db.execute<{ conflicts: string; approvals: string }>(sql`
    SELECT (SELECT count(*) FROM match_conflicts WHERE status = 'open') AS conflicts,
           (SELECT count(*) FROM jobs WHERE status = 'awaiting_approval') AS approvals`);
  return { conflicts: int(r.rows[0]?.conflicts), approvals: int(r.rows[0]?.approvals) };
}

async function webhookHealth(db: DbOrTx): Promise<WebhookHealth> {
  const r = await db.execute<Record<string, unknown>>(sql`
    SELECT (SELECT max(received_at) FROM webhook_events) AS last_at,
           (SELECT count(*) FROM webhook_events WHERE received_at > now() - interval '24 hours') AS d1,
           (SELECT count(*) FROM webhook_events WHERE status = 'processed' AND received_at > now() - interval '7 days') AS ok7,
           (SELECT count(*) FROM webhook_events WHERE status = 'failed' AND received_at > now() - interval '7 days') AS failed7,
           (SELECT count(*) FROM webhook_events WHERE status = 'failed' AND next_attempt_at IS NOT NULL) AS retrying,
           (SELECT count(*) FROM webhook_events WHERE status = 'failed' AND next_attempt_at IS NULL) AS gave_up,
           (SELECT count(*) FROM webhook_events WHERE status = 'waiting') AS waiting`);
  const x = r.rows[0] ?? {};
  const ok = int(x.ok7);
  const settled = ok + int(x.failed7);
  return {
    lastReceivedAt: iso(x.last_at as string | null),
    received24h: int(x.d1),
    successRate7d: settled ? Math.round((ok / settled) * 1000) / 1000 : null,
    retrying: int(x.retrying),
    gaveUp: int(x.gave_up),
    waiting: int(x.waiting),
  };
}

async function openConflicts(db: DbOrTx, limit: number): Promise<{ open: number; items: OverviewConflict[] }> {
  const r = await db.execute<Record<string, unknown>>(sql`
    SELECT c.id, c.reason, c.created_at, jsonb_array_length(c.candidates) AS candidates, m.kind, m.plex_title, m.plex_year,
           m.server_uuid, m.plex_rating_key, count(*) OVER () AS total
      FROM match_conflicts c JOIN plex_mappings m ON m.id = c.mapping_id
     WHERE c.status = 'open'
     ORDER BY c.created_at DESC, c.id DESC
     LIMIT ${limit}`);
  return {
    open: int(r.rows[0]?.total),
    items: r.rows.map((x) => ({
      id: String(x.id),
      kind: x.kind === 'movie' ? 'movie' : 'show',
      title: (x.plex_title as string | null) ?? null,
      year: (x.plex_year as number | null) ?? null,
      reason: String(x.reason),
      candidates: int(x.candidates),
      createdAt: iso(x.created_at as string)!,
      posterUrl: posterUrl({ plex: plexRef(x.server_uuid as string, x.plex_rating_key as string | null) }),
    })),
  };
}

/** Jobs an operator is waiting on or watching: gated on an approval, claimed or running. */
async function activeJobs(db: DbOrTx): Promise<{ approvals: OverviewApproval[]; running: OverviewJob[] }> {
  const r = await db.execute<Record<string, unknown>>(sql`
    SELECT j.id, j.kind, j.status, j.started_at, j.updated_at, j.progress, a.name AS agent_name, st.index AS step_index, st.title AS step_title
      FROM jobs j
      LEFT JOIN agents a ON a.id = j.agent_id
      LEFT JOIN job_steps st ON st.job_id = j.id AND st.index = j.current_step
     WHERE j.status IN ('awaiting_approval', 'claimed', 'running')
     ORDER BY j.created_at DESC, j.id DESC
     LIMIT 50`);
  const approvals: OverviewApproval[] = [];
  const running: OverviewJob[] = [];
  for (const x of r.rows) {
    if (x.status === 'awaiting_approval' && x.step_index !== null) {
      approvals.push({ jobId: String(x.id), kind: String(x.kind), stepIndex: int(x.step_index), stepTitle: String(x.step_title ?? ''), since: iso(x.updated_at as string) });
    } else if (x.status !== 'awaiting_approval') {
      running.push({
        id: String(x.id),
        kind: String(x.kind),
        status: String(x.status),
        startedAt: iso(x.started_at as string | null),
        agentName: (x.agent_name as string | null) ?? null,
        stepTitle: (x.step_title as string | null) ?? null,
        progress: (x.progress as Progress | null) ?? null,
      });
    }
  }
  return { approvals, running };
}

async function firstRun(db: DbOrTx): Promise<FirstRun> {
  const events = sql.join(
    PLAYBACK_EVENTS.map((e) => sql`${e}`),
    sql`, `,
  );
  // Webhook rows age out (log retention): the config's last-webhook time and the tracker's own
  // rows keep the steps ticked after that.
  const r = await db.execute<Record<string, boolean>>(sql`
    SELECT EXISTS (SELECT 1 FROM plex_webhook_secrets) AS settings_saved,
           (EXISTS (SELECT 1 FROM webhook_events) OR EXISTS (SELECT 1 FROM plex_config WHERE last_webhook_at IS NOT NULL)) AS webhook_received,
           (EXISTS (SELECT 1 FROM webhook_events WHERE status = 'processed' AND event IN (${events}))
             OR EXISTS (SELECT 1 FROM plays WHERE source = 'webhook') OR EXISTS (SELECT 1 FROM playback_progress)) AS playback_seen,
           EXISTS (SELECT 1 FROM agents WHERE revoked_at IS NULL) AS agent_enrolled`);
  const x = r.rows[0] ?? {};
  return { settingsSaved: !!x.settings_saved, webhookReceived: !!x.webhook_received, playbackSeen: !!x.playback_seen, agentEnrolled: !!x.agent_enrolled };
}

export interface OverviewOptions {
  presence: AgentPresence[];
  /** How long after its last poll an agent still counts as online (as GET /api/agents says). */
  onlineWindowMs: number;
  /** An agent's long-poll length: a parked agent that dies is known offline at most this plus the window later. */
  agentWaitMs: number;
  now?: Date;
}

export async function readOverview(db: DbOrTx, opts: OverviewOptions): Promise<Overview> {
  const now = opts.now ?? new Date();
  const [playing, plays, webhooks, conflicts, jobs, agents, checklist, badges] = await Promise.all([
    readNowPlaying(db, now),
    listPlays(db, { limit: 8 }),
    webhookHealth(db),
    openConflicts(db, 5),
    activeJobs(db),
    listAgents(db, opts.presence, { onlineWindowMs: opts.onlineWindowMs, now: now.getTime() }),
    firstRun(db),
    readBadges(db),
  ]);
  const live = agents.filter((a) => !a.revokedAt);
  const waiting = new Set(opts.presence.filter((p) => p.waiting).map((p) => p.agentId));
  const agentExpiries = live
    .filter((a) => a.online)
    .map((a) => new Date((waiting.has(a.id) ? now.getTime() + opts.agentWaitMs : Date.parse(a.lastSeenAt ?? now.toISOString())) + opts.onlineWindowMs));
  const expiries = [...playing.expiries, ...agentExpiries].map((d) => d.getTime());
  return {
    generatedAt: now.toISOString(),
    nowPlaying: playing.items,
    recentPlays: plays.items,
    webhooks,
    conflicts,
    approvals: jobs.approvals,
    runningJobs: jobs.running,
    agents: {
      online: live.filter((a) => a.online).length,
      total: live.length,
      items: live.map((a) => ({ id: a.id, name: a.name, hostname: a.hostname, online: a.online, lastSeenAt: a.lastSeenAt, currentJobId: a.currentJobId })),
    },
    firstRun: checklist,
    badges,
    refreshAt: expiries.length ? new Date(Math.min(...expiries)).toISOString() : null,
  };
}
