/**
 * @module
 * The Worker's bindings and per-request variables. Bindings are checked with zod once per
 * request (cheap) so a missing secret is a clear BAD_ENVIRONMENT error, not a crash deep
 * inside a handler.
 */
import { z } from 'zod';
import type { Db } from './db/client';
import type { Principal } from './contracts';
import type { Logger } from './lib/logger';

export interface Bindings {
  DATABASE_URL?: string;
  /** Local only: host:port of the WebSocket→TCP proxy in front of a plain Postgres. */
  DB_WS_PROXY?: string;
  /** Absolute public URL of this deployment, e.g. https://plexops.example.com (webhook URLs). */
  PUBLIC_URL?: string;
  /** plex.tv base URL; tests point it at a local simulator. */
  PLEX_TV_URL?: string;
  /** Comma-separated Plex account ids allowed to sign in to the admin. */
  ADMIN_PLEX_ACCOUNT_IDS?: string;
  /** How the agent is invoked in the enroll command the admin shows (default `plexops-agent`). */
  AGENT_COMMAND?: string;
  /** base64 32-byte key for AES-256-GCM encryption of secrets at rest. */
  SECRETS_KEY?: string;
  BENCH_BASELINE?: string;
  /** TMDB API base URL; unset = https://api.themoviedb.org (tests point it at the simulator). */
  TMDB_URL?: string;
  WEBHOOK_MAX_BODY_BYTES?: string;
  /** Webhook processing lock (ms); a pending event past it was stranded. Default 120 s; tests compress it. */
  WEBHOOK_LOCK_MS?: string;
  /** Refusals (unknown webhook secret, enroll code or agent token) per source address per minute before 429. Default 30. */
  REFUSALS_PER_MINUTE?: string;
  RETRIER?: DurableObjectNamespace;
  /** Agent protocol timings (ms); tests compress them. Defaults: wait 25 s, lease 60 s, poll-after 1 s, alarm grace 1 s. */
  AGENT_WAIT_MS?: string;
  AGENT_LEASE_TTL_MS?: string;
  AGENT_POLL_AFTER_MS?: string;
  HUB_ALARM_GRACE_MS?: string;
  ENVIRONMENT?: string;
  ASSETS?: Fetcher;
  /** Posters: the first JPEG Plex attaches per item, and TMDB posters once fetched (R2; never Postgres). */
  POSTERS?: R2Bucket;
  HUB?: DurableObjectNamespace;
}

export const RuntimeConfig = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is not set'),
  DB_WS_PROXY: z.string().optional(),
  PUBLIC_URL: z.url().optional(),
  PLEX_TV_URL: z.url().default('https://plex.tv'),
  ADMIN_PLEX_ACCOUNT_IDS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  /**
   * The agent's command in the enroll/run commands the Agents page shows: `plexops-agent` once
   * installed on PATH (README), or how this deployment's operators run it. `npm start` sets
   * `node /abs/path/agent/dist/plexops-agent.mjs`, which runs as shown on the same machine.
   */
  AGENT_COMMAND: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), // an empty line copied from .dev.vars.example
    z.string().trim().max(500).regex(/^[^\n\r\0]+$/, 'AGENT_COMMAND must be one line').default('plexops-agent'),
  ),
  ENVIRONMENT: z.enum(['production', 'development', 'test']).default('production'),
  AGENT_WAIT_MS: z.coerce.number().int().min(0).max(25_000).default(25_000),
  AGENT_LEASE_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  AGENT_POLL_AFTER_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  HUB_ALARM_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** base64 32-byte AES-256-GCM key; checked where it is used (lib/secret-box.ts) so a bad key fails only secret storage. */
  SECRETS_KEY: z.string().optional(),
  /** Benchmarks only: exposes the baseline webhook endpoint when "1". Never set in production. */
  BENCH_BASELINE: z.string().optional(),
  /** Cap on a Plex webhook body (the JPEG thumb makes it large); checked before the body is read. */
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  WEBHOOK_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(120_000),
  REFUSALS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;

export interface Variables {
  requestId: string;
  logger: Logger;
  config: RuntimeConfig;
  /** Lazily opens the per-request DB pool on first use; closed with waitUntil. */
  db: () => Db;
  principal?: Principal;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
