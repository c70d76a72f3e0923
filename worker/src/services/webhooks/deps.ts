/**
 * @module
 * Builds what processing needs from the environment and the stored config: the TMDB client (key
 * unsealed from the config, base URL from TMDB_URL so tests can use the simulator, answers cached
 * in Postgres), the real matcher, and the retrier hook when the Durable Object binding exists.
 * With no TMDB key the client is null and matching degrades to Plex metadata.
 */
import type { DbOrTx } from '../../db/client';
import type { Bindings } from '../../env';
import type { Logger } from '../../lib/logger';
import { secretBoxFromEnv } from '../../lib/secret-box';
import { matchPlexItem } from '../matching/match';
import { dbTmdbCache } from '../tmdb/cache';
import { TmdbClient, tmdbCredentials } from '../tmdb/client';
import { loadConfig, unsealTmdbKey } from './config';
import type { ProcessDeps } from './process';
import { DEFAULT_LOCK_MS } from './retry-policy';

export type RetrierEnv = Pick<Bindings, 'RETRIER'>;

/** Asks the retrier DO to wake at `at` (it keeps the earliest requested time). */
export function retrierScheduler(env: RetrierEnv): ((at: Date) => Promise<void>) | undefined {
  const ns = env.RETRIER;
  if (!ns) return undefined;
  return async (at) => {
    const stub = ns.get(ns.idFromName('webhooks'));
    const res = await stub.fetch('https://retrier.internal/schedule', { method: 'POST', body: JSON.stringify({ at: at.getTime() }) });
    if (!res.ok) throw new Error(`retrier answered ${res.status}`);
  };
}

/** The processing lock from the bindings (WEBHOOK_LOCK_MS), else the default. */
export function lockMsOf(env: Pick<Bindings, 'WEBHOOK_LOCK_MS'>): number {
  const n = Number(env.WEBHOOK_LOCK_MS);
  return Number.isInteger(n) && n >= 1_000 && n <= 600_000 ? n : DEFAULT_LOCK_MS;
}

export async function createProcessDeps(
  db: DbOrTx,
  env: Pick<Bindings, 'SECRETS_KEY' | 'RETRIER' | 'WEBHOOK_LOCK_MS'> & { TMDB_URL?: string },
  logger: Logger,
): Promise<ProcessDeps> {
  const cfg = await loadConfig(db);
  const box = await secretBoxFromEnv(env.SECRETS_KEY).catch(() => null);
  const key = await unsealTmdbKey(cfg, box);
  if (cfg.tmdbApiKeyEnc && !key) logger.warn('the stored TMDB key cannot be unsealed (SECRETS_KEY missing or changed); matching uses Plex metadata only');
  const tmdb = key ? new TmdbClient({ ...tmdbCredentials(key), ...(env.TMDB_URL ? { baseUrl: env.TMDB_URL } : {}), cache: dbTmdbCache(db), logger }) : null;
  const scheduleRetry = retrierScheduler(env);
  return { logger, tmdb, match: matchPlexItem, config: cfg, ...(scheduleRetry ? { scheduleRetry } : {}), redact: key ? [key] : [], lockMs: lockMsOf(env) };
}
