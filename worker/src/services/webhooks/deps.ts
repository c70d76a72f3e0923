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
import { WebhookGateCore, type WebhookGateApi } from './webhook-gate';
import { AddressLimiter } from '../../lib/address-limiter';

export type RetrierEnv = Pick<Bindings, 'RETRIER'>;

type RetrierStub = WebhookGateApi & { schedule(at: number): Promise<void> };

function retrierStub(env: RetrierEnv): RetrierStub | undefined {
  const ns = env.RETRIER;
  return ns ? (ns.get(ns.idFromName('webhooks')) as unknown as RetrierStub) : undefined;
}

/** Asks the retrier DO to wake at `at` (it keeps the earliest requested time). */
export function retrierScheduler(env: RetrierEnv): ((at: Date) => Promise<void>) | undefined {
  const stub = retrierStub(env);
  return stub ? (at) => stub.schedule(at.getTime()) : undefined;
}

let localGate: WebhookGateCore | undefined;

/**
 * The webhook gate (webhook-gate.ts): the retrier Durable Object, or — where there is none (Node)
 * — an unloaded in-process gate that only counts refusals, so every guess is checked in Postgres.
 */
export function webhookGate(env: RetrierEnv, refusalsPerMinute: number): WebhookGateApi {
  const stub = retrierStub(env);
  if (stub) return stub;
  const gate = (localGate ??= new WebhookGateCore(new AddressLimiter(refusalsPerMinute)));
  return {
    admit: async (input) => gate.admit(input.hash, input.address),
    noteRefusal: async (address) => gate.noteRefusal(address),
    reloadSecrets: async () => undefined,
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
