/**
 * @module
 * The admin dashboard in one answer (`GET /api/overview`, and the `overview` events of
 * `GET /api/overview/stream`): what is playing now, recent plays, webhook health, open conflicts,
 * approvals waiting, running jobs with progress, agents, the first-run checklist, and the counts
 * behind the navigation badges (which `?scope=badges` streams alone).
 */
import { z } from 'zod';
import { Progress } from './agent-protocol';

const Iso = z.string();
const Account = z.object({ id: z.string().nullable(), title: z.string().nullable() });

export const NowPlayingItem = z.object({
  /** server | account | player: one player plays one thing at a time. */
  sessionKey: z.string(),
  state: z.enum(['playing', 'paused']),
  account: Account,
  player: z.object({ title: z.string().nullable(), local: z.boolean().nullable() }),
  mediaType: z.string().nullable(),
  title: z.string().nullable(),
  showTitle: z.string().nullable(),
  season: z.number().int().nullable(),
  episode: z.number().int().nullable(),
  year: z.number().int().nullable(),
  /** Position at `asOf`; while playing, add the time since (capped at the duration). */
  positionMs: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  asOf: Iso,
  lastEventAt: Iso,
  /** When it disappears unless Plex sends another event (see services/overview/now-playing.ts). */
  expiresAt: Iso,
  posterUrl: z.string().nullable(),
});
export type NowPlayingItem = z.infer<typeof NowPlayingItem>;

export const RecentPlay = z.object({
  id: z.string(),
  playedAt: Iso,
  account: Account,
  kind: z.enum(['episode', 'movie']),
  title: z.string().nullable(),
  showId: z.string().nullable(),
  showTitle: z.string().nullable(),
  season: z.number().int().nullable(),
  episode: z.number().int().nullable(),
  year: z.number().int().nullable(),
  source: z.enum(['webhook', 'manual', 'import']),
  posterUrl: z.string().nullable(),
});
export type RecentPlay = z.infer<typeof RecentPlay>;

export const WebhookHealth = z.object({
  lastReceivedAt: Iso.nullable(),
  received24h: z.number().int(),
  /** processed / (processed + failed) over 7 days; null with no such events. */
  successRate7d: z.number().nullable(),
  /** Failed deliveries: still being retried, and given up (those need a person: fix, then replay). */
  retrying: z.number().int(),
  gaveUp: z.number().int(),
  /** Deliveries waiting on a match conflict. */
  waiting: z.number().int(),
});
export type WebhookHealth = z.infer<typeof WebhookHealth>;

export const OverviewConflict = z.object({
  id: z.string(),
  kind: z.enum(['show', 'movie']),
  title: z.string().nullable(),
  year: z.number().int().nullable(),
  reason: z.string(),
  candidates: z.number().int(),
  createdAt: Iso,
  posterUrl: z.string().nullable(),
});
export type OverviewConflict = z.infer<typeof OverviewConflict>;

export const OverviewApproval = z.object({
  jobId: z.string(),
  kind: z.string(),
  stepIndex: z.number().int(),
  stepTitle: z.string(),
  /** When the job stopped at the gate (the step's start). */
  since: Iso.nullable(),
});
export type OverviewApproval = z.infer<typeof OverviewApproval>;

export const OverviewJob = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  startedAt: Iso.nullable(),
  agentName: z.string().nullable(),
  stepTitle: z.string().nullable(),
  progress: Progress.nullable(),
});
export type OverviewJob = z.infer<typeof OverviewJob>;

export const OverviewAgent = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  online: z.boolean(),
  lastSeenAt: Iso.nullable(),
  currentJobId: z.string().nullable(),
});
export type OverviewAgent = z.infer<typeof OverviewAgent>;

/** Each step ticks itself from real state; the checklist shows until all four are done. */
export const FirstRun = z.object({
  /** The Plex settings were saved once (a webhook URL exists). */
  settingsSaved: z.boolean(),
  /** Plex called the URL at least once. */
  webhookReceived: z.boolean(),
  /** A playback event (play, pause, stop, scrobble…) was processed. */
  playbackSeen: z.boolean(),
  /** An agent is enrolled (and not revoked). */
  agentEnrolled: z.boolean(),
});
export type FirstRun = z.infer<typeof FirstRun>;

export const Badges = z.object({ conflicts: z.number().int(), approvals: z.number().int() });
export type Badges = z.infer<typeof Badges>;

export const Overview = z.object({
  generatedAt: Iso,
  nowPlaying: z.array(NowPlayingItem),
  recentPlays: z.array(RecentPlay),
  webhooks: WebhookHealth,
  conflicts: z.object({ open: z.number().int(), items: z.array(OverviewConflict) }),
  approvals: z.array(OverviewApproval),
  runningJobs: z.array(OverviewJob),
  agents: z.object({ online: z.number().int(), total: z.number().int(), items: z.array(OverviewAgent) }),
  firstRun: FirstRun,
  badges: Badges,
  /** The next moment this answer changes by the clock alone (a session or an agent expiring). */
  refreshAt: Iso.nullable(),
});
export type Overview = z.infer<typeof Overview>;

export const OverviewStreamQuery = z.object({ scope: z.enum(['overview', 'badges']).default('overview') });

/**
 * `GET /api/overview/stream?scope=overview|badges` (SSE) events: `overview` (data = {@link Overview})
 * or `badges` (data = {@link Badges}), on connect and whenever the answer changes.
 */
export type OverviewStreamEvent = { event: 'overview'; data: Overview } | { event: 'badges'; data: Badges };
