/**
 * @module
 * The asynchronous half of a delivery: turn a stored event into tracker changes. Runs after the
 * 200 (waitUntil), from the retrier, from a replay, and when a conflict it waited on is resolved.
 * Idempotent: the event is claimed with a short lease (two runners never overlap), tracker rows
 * are keyed so re-applying changes nothing, and the tracker writes commit together with the
 * event's new status. Matching (which may call TMDB over HTTP) runs before the transaction so
 * no transaction is held open across the network.
 */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { webhookEvents } from '../../db/schema';
import type { Logger } from '../../lib/logger';
import { AppError } from '../../errors';
import type { TmdbClient } from '../tmdb/client';
import type { MatchDeps, MatchOutcome, PlexItemRef } from '../matching/types';
import { recordPlay, saveProgress, saveRating, touchAccount, type RatedItem, type TrackedItem } from '../tracker/record';
import { loadConfig, type EffectiveConfig } from './config';
import { ignoreReason } from './ingest';
import { PlexPayload, toItemRef } from './payload';
import { backoffDelayMs, DEFAULT_LOCK_MS, MAX_ATTEMPTS } from './retry-policy';
import { describeFailure } from './failure';

export type MatchFn = (db: DbOrTx, deps: MatchDeps, item: PlexItemRef) => Promise<MatchOutcome>;

export interface ProcessDeps {
  logger: Logger;
  tmdb: TmdbClient | null;
  match: MatchFn;
  /** Asks the retrier to wake at `at`; absent where there is no Durable Object (Node tests, tools). */
  scheduleRetry?: (at: Date) => Promise<void>;
  /** Secret values that must never end up in a stored error message. */
  redact?: string[];
  /** The config as loaded when the deps were built (saves a query per event); re-read when absent. */
  config?: EffectiveConfig;
  /** Processing lock (ms); DEFAULT_LOCK_MS when absent. */
  lockMs?: number;
}

export type ProcessResult = { status: 'processed' | 'ignored' | 'waiting' | 'failed'; action: string | null } | { status: 'skipped' };

type Row = typeof webhookEvents.$inferSelect;
type Decision =
  | { status: 'ignored'; action: string }
  | { status: 'waiting'; conflictId: string; action: string }
  | { status: 'processed'; action: string; apply: (tx: DbOrTx) => Promise<string | void> };

/** Claims the event (lease) unless another run holds it or it needs no processing. */
async function claim(db: DbOrTx, id: string, force: boolean, lockMs: number): Promise<Row | null> {
  const rows = await db
    .update(webhookEvents)
    .set({ lockedUntil: sql`now() + (${lockMs}::int * interval '1 millisecond')`, attempts: sql`${webhookEvents.attempts} + 1` })
    .where(
      sql`${webhookEvents.id} = ${id}
        AND (${webhookEvents.status} IN ('pending', 'failed') OR ${force})
        AND (${webhookEvents.lockedUntil} IS NULL OR ${webhookEvents.lockedUntil} < now())`,
    )
    .returning();
  return rows[0] ?? null;
}

function describeEpisode(o: Extract<MatchOutcome, { status: 'matched' }>): string {
  return o.kind === 'episode' ? ` S${String(o.season).padStart(2, '0')}E${String(o.episode).padStart(2, '0')}` : '';
}

function trackedOf(o: Extract<MatchOutcome, { status: 'matched' }>): TrackedItem | null {
  if (o.kind === 'episode') return { kind: 'episode', episodeId: o.episodeId, showId: o.showId };
  if (o.kind === 'movie') return { kind: 'movie', movieId: o.movieId };
  return null;
}

async function decide(db: DbOrTx, deps: ProcessDeps, row: Row, p: PlexPayload, cfg: EffectiveConfig): Promise<Decision> {
  const ignored = ignoreReason(p, { enabled: cfg.enabled, serverUuid: cfg.serverUuid, trackedAccountIds: cfg.trackedAccountIds });
  if (ignored) return { status: 'ignored', action: ignored };
  const ref = toItemRef(p);
  if (!ref) return { status: 'ignored', action: `not a show, season, episode or movie (${p.Metadata?.type ?? 'no Metadata'})` };
  // A library.new without Server.uuid passed the server filter because it can only be from the one
  // server accepted: key its mapping to that server, so later plays of the show find it.
  if (!ref.serverUuid && cfg.serverUuid) ref.serverUuid = cfg.serverUuid;
  const event = p.event;
  const playable = ref.type === 'episode' || ref.type === 'movie';
  if (event.startsWith('media.') && event !== 'media.rate' && !playable) return { status: 'ignored', action: `${ref.type} is not playable` };
  if (event === 'library.new' && !cfg.autoAddShows) return { status: 'ignored', action: 'auto-add is off' };

  const allowCreate = event === 'library.new' || cfg.autoAddShows;
  const outcome = await deps.match(db, { tmdb: deps.tmdb, logger: deps.logger, allowCreate }, ref);
  if (outcome.status === 'conflict') return { status: 'waiting', conflictId: outcome.conflictId, action: 'waiting on a match conflict' };
  if (outcome.status === 'skipped') return { status: 'ignored', action: outcome.reason === 'sync-disabled' ? 'sync disabled for this show' : 'show ignored by a person' };

  const accountId = p.Account?.id ?? 'unknown';
  const at = row.receivedAt;
  if (event === 'library.new') {
    return { status: 'processed', action: `in catalog (${outcome.kind}${describeEpisode(outcome)}, ${outcome.method} ${outcome.confidence.toFixed(2)})`, apply: async () => undefined };
  }
  if (event === 'media.rate') {
    const rating = p.Metadata?.userRating ?? p.rating ?? null;
    const item: RatedItem | null = outcome.kind === 'show' ? { kind: 'show', showId: outcome.showId } : trackedOf(outcome);
    if (!item) return { status: 'ignored', action: 'nothing to rate' };
    const value = rating === null || rating < 0 ? null : Math.min(10, rating);
    return {
      status: 'processed',
      action: value === null ? 'rating cleared' : `rated ${value}`,
      apply: async (tx) => {
        await touchAccount(tx, accountId, p.Account?.title ?? null);
        await saveRating(tx, accountId, item, value, at);
      },
    };
  }
  const item = trackedOf(outcome);
  if (!item) return { status: 'ignored', action: `matched a ${outcome.kind}, not an episode or movie` };
  const offset = p.Metadata?.viewOffset ?? null;
  const duration = p.Metadata?.duration ?? null;
  const ratio = offset !== null && duration ? offset / duration : null;
  const completes = event === 'media.scrobble' || (event === 'media.stop' && ratio !== null && ratio >= cfg.watchedThreshold);
  const label = describeEpisode(outcome);
  if (completes && cfg.autoMarkWatched) {
    return {
      status: 'processed',
      action: `marked watched${label}`,
      apply: async (tx) => {
        await touchAccount(tx, accountId, p.Account?.title ?? null);
        const { newPlay } = await recordPlay(tx, { accountId, item, playedAt: at, windowMinutes: cfg.playWindowMinutes, durationMs: duration, source: 'webhook', eventId: row.id });
        return newPlay ? `marked watched${label} (new play)` : `marked watched${label} (play already counted within ${cfg.playWindowMinutes} min)`;
      },
    };
  }
  const state = event === 'media.pause' ? 'paused' : event === 'media.stop' || event === 'media.scrobble' ? 'stopped' : 'playing';
  const pct = ratio === null ? '?' : `${Math.round(ratio * 100)}%`;
  return {
    status: 'processed',
    action: `progress ${pct} (${state})${label}${completes ? '; not marked watched: autoMarkWatched is off' : ''}`,
    apply: async (tx) => {
      await touchAccount(tx, accountId, p.Account?.title ?? null);
      await saveProgress(tx, { accountId, item, viewOffsetMs: offset ?? 0, durationMs: duration, state, at, eventId: row.id });
    },
  };
}

/**
 * Gives up on a slow match (e.g. TMDB retrying 5xx) before the runtime cuts the waitUntil off
 * (30 s): the event is then marked failed and retried by the retrier instead of being left
 * `pending` until the daily sweep.
 */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`processing took longer than ${Math.round(ms / 1000)} s; it will be retried`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/** Processes one stored event. `force` re-runs an already finished event (replay); `deadlineMs` bounds the matching step. */
export async function processEvent(db: DbOrTx, deps: ProcessDeps, eventId: string, opts: { force?: boolean; deadlineMs?: number } = {}): Promise<ProcessResult> {
  const row = await claim(db, eventId, opts.force ?? false, deps.lockMs ?? DEFAULT_LOCK_MS);
  if (!row) return { status: 'skipped' };
  const started = Date.now();
  const log = deps.logger.child({ eventId, event: row.event });
  try {
    const parsed = PlexPayload.safeParse(row.payload);
    if (!parsed.success) throw new Error('stored payload no longer parses');
    const cfg = deps.config ?? (await loadConfig(db));
    const decision = decide(db, deps, row, parsed.data, cfg);
    const d = opts.deadlineMs ? await withDeadline(decision, opts.deadlineMs) : await decision;
    const done = { lockedUntil: null, nextAttemptAt: null, error: null, processedAt: new Date() };
    if (d.status === 'processed') {
      const action = await db.transaction(async (tx) => {
        const detail = (await d.apply(tx)) ?? d.action;
        await tx.update(webhookEvents).set({ ...done, status: 'processed', action: detail, waitingConflictId: null, processingMs: Date.now() - started }).where(eq(webhookEvents.id, row.id));
        return detail;
      });
      return { status: 'processed', action };
    }
    await db
      .update(webhookEvents)
      .set({ ...done, status: d.status, action: d.action, waitingConflictId: d.status === 'waiting' ? d.conflictId : null, processingMs: Date.now() - started })
      .where(eq(webhookEvents.id, row.id));
    return { status: d.status, action: d.action };
  } catch (err) {
    const failure = describeFailure(err, deps.redact);
    const exhausted = row.attempts >= MAX_ATTEMPTS;
    const nextAt = exhausted || !failure.retryable ? null : new Date(Date.now() + backoffDelayMs(row.attempts));
    log.warn('webhook processing failed', { attempts: row.attempts, error: failure.message, retryable: failure.retryable, retryAt: nextAt?.toISOString() ?? null });
    await db
      .update(webhookEvents)
      .set({
        status: 'failed',
        error: failure.message,
        action: !failure.retryable ? 'not retried: it would fail the same way; replay it after a fix' : exhausted ? `gave up after ${row.attempts} attempts; replay it after a fix` : null,
        nextAttemptAt: nextAt,
        lockedUntil: null,
        processingMs: Date.now() - started,
      })
      .where(eq(webhookEvents.id, row.id));
    if (nextAt && deps.scheduleRetry) await deps.scheduleRetry(nextAt).catch((e) => log.error('could not schedule the retry', { error: String(e) }));
    return { status: 'failed', action: null };
  }
}

/**
 * Last resort when a run crashed outside processEvent's own error handling (e.g. the pool could
 * not connect): hand a still-pending event to the retrier rather than leave it for the daily sweep.
 */
export async function deferPendingToRetry(db: DbOrTx, id: string, err: unknown, scheduleRetry?: (at: Date) => Promise<void>): Promise<void> {
  const nextAt = new Date(Date.now() + backoffDelayMs(1));
  const rows = await db
    .update(webhookEvents)
    .set({ status: 'failed', error: describeFailure(err).message, nextAttemptAt: nextAt, lockedUntil: null })
    .where(sql`${webhookEvents.id} = ${id} AND ${webhookEvents.status} = 'pending'`)
    .returning({ id: webhookEvents.id });
  if (rows.length && scheduleRetry) await scheduleRetry(nextAt);
}
