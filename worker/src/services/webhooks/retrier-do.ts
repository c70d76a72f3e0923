/**
 * @module
 * The WebhookRetrier Durable Object (binding `RETRIER`, one instance named "webhooks"). Two jobs:
 * - Retries. Failed processing asks it to wake at the event's retry time, and every delivery
 *   arms it for one processing lock from now (stranded events, retry.ts); it keeps one alarm at
 *   the earliest requested time. Its alarm re-runs what is due and re-arms only while something
 *   is failed or pending — with nothing to do there is no alarm and no query (principle 2).
 * - The door (webhook-gate.ts): the exact set of valid secret hashes, loaded from Postgres once,
 *   so unknown secrets are refused without a query, and refusals counted per source address.
 * Kept apart from the agents' Hub DO: different lifecycles, no shared state.
 */
import { DurableObject } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import type { Bindings } from '../../env';
import { RuntimeConfig } from '../../env';
import { openDb } from '../../db/client';
import { createLogger } from '../../lib/logger';
import { AddressLimiter } from '../../lib/address-limiter';
import { CacheLoad } from '../../lib/cache-load';
import { createProcessDeps } from './deps';
import { runDueRetries } from './retry';
import { pokeOverview } from '../overview/notify';
import { WebhookGateCore, type Admission, type SecretEntry, type WebhookGateApi } from './webhook-gate';

export class WebhookRetrier extends DurableObject<Bindings> implements WebhookGateApi {
  private readonly parsed = RuntimeConfig.safeParse(this.env);
  /** The secrets' load: every delivery waits while it runs. */
  private readonly secretsLoad = new CacheLoad({ what: 'webhook secrets', task: 'webhook-gate' });
  private readonly gate = new WebhookGateCore(new AddressLimiter(this.parsed.success ? this.parsed.data.REFUSALS_PER_MINUTE : 30));

  /** Arms (or moves earlier) the alarm to `at` (epoch ms). */
  async schedule(at: number): Promise<void> {
    if (!Number.isFinite(at)) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
  }

  async admit(input: { hash: string; address: string; armAt?: number }): Promise<Admission> {
    if (!this.gate.loaded && this.secretsLoad.due) await this.ctx.blockConcurrencyWhile(() => this.loadSecrets());
    const admission = this.gate.admit(input.hash, input.address);
    if (input.armAt !== undefined && (admission.kind === 'known' || admission.kind === 'unchecked')) await this.schedule(input.armAt);
    return admission;
  }

  async noteRefusal(address: string): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    return this.gate.noteRefusal(address);
  }

  async reloadSecrets(): Promise<void> {
    await this.ctx.blockConcurrencyWhile(() => this.loadSecrets());
  }

  /** One query; on failure or past the deadline the gate stays unloaded (deliveries are checked in Postgres) and a call a little later tries again. */
  private async loadSecrets(): Promise<void> {
    if (!this.parsed.success) return;
    const rows = await this.secretsLoad.run(this.parsed.data, (db) =>
      db.execute<{ secret_hash: string; expires_ms: string | null }>(
        sql`SELECT secret_hash, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms FROM plex_webhook_secrets WHERE expires_at IS NULL OR expires_at > now()`,
      ),
    );
    // A stale set could refuse a secret the admin just created: without a fresh one, fall back to Postgres.
    if (!rows) return this.gate.unload();
    const entries: SecretEntry[] = rows.rows.map((r) => ({ hash: r.secret_hash, expiresAt: r.expires_ms === null ? null : Number(r.expires_ms) }));
    this.gate.load(entries);
  }

  /** POST /schedule {at} — the pre-RPC way to arm the alarm, kept for isolates of an older deploy. */
  override async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method !== 'POST' || url.pathname !== '/schedule') return new Response(null, { status: 404 });
    const body = (await req.json().catch(() => null)) as { at?: unknown } | null;
    if (typeof body?.at !== 'number') return new Response(null, { status: 400 });
    await this.schedule(body.at);
    return new Response(null, { status: 204 });
  }

  override async alarm(): Promise<void> {
    const logger = createLogger({ task: 'webhook-retrier' });
    if (!this.parsed.success) {
      logger.error('retrier skipped: bad environment');
      return;
    }
    const handle = openDb(this.parsed.data);
    try {
      // Failures during this run re-arm through nextAt below, not through the scheduler.
      const deps = await createProcessDeps(handle.db, { ...this.env, RETRIER: undefined }, logger);
      const { processed, nextAt } = await runDueRetries(handle.db, deps);
      logger.info('webhook retries ran', { processed, nextAt: nextAt?.toISOString() ?? null });
      if (processed > 0) await pokeOverview(this.env);
      if (nextAt) await this.ctx.storage.setAlarm(Math.max(nextAt.getTime(), Date.now() + 1_000));
    } finally {
      await handle.end();
    }
  }
}
