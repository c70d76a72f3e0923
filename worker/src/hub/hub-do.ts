/**
 * @module
 * The Hub Durable Object (binding `HUB`, one instance named "hub"): agents' `/wait`
 * long-polls park here and the worker pokes it when a job is created, approved, retried or
 * cancelled, so an idle system runs no SQL at all. Lease expiry is swept by a DO alarm that is
 * armed only while a job holds a lease and re-arms itself only while some job still does.
 *
 * Long-poll over RPC rather than WebSocket hibernation: the agent speaks plain HTTPS (works
 * through every proxy, trivially testable, same auth and fencing as every other call), and
 * a 25 s poll is ~144 requests an hour per idle agent, inside the 150 budget. Hibernation
 * would save DO wall-clock while parked, at the price of a second transport to maintain.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { RuntimeConfig } from '../env';
import { openDb } from '../db/client';
import { createLogger } from '../lib/logger';
import { expireLeases } from '../services/jobs/expire-leases';
import { AddressLimiter } from '../lib/address-limiter';
import { CacheLoad } from '../lib/cache-load';
import { loadAuthSnapshot } from '../services/agents/auth-snapshot';
import { HubCore, type AgentPresence, type AgentWaitResult, type DoorVerdict, type HubAgent, type HubApi, type WaitScope } from './hub-core';


export class HubDO extends DurableObject<Bindings> implements HubApi {
  /** A DO's bindings never change: parse them once, not on every claim and alarm. */
  private readonly parsedConfig = RuntimeConfig.safeParse(this.env);
  private readonly core = new HubCore(Date.now, new AddressLimiter(this.parsedConfig.success ? this.parsedConfig.data.REFUSALS_PER_MINUTE : 30));
  /** The auth cache's load: every agent call and enrollment waits while it runs. */
  private readonly authLoad = new CacheLoad({ what: 'agent tokens', task: 'hub-auth' });

  private config(): ReturnType<typeof RuntimeConfig.safeParse> {
    return this.parsedConfig;
  }

  /**
   * Makes the auth cache exact once per lifetime (two queries). Other calls wait meanwhile, so a
   * learn or forget that races the load is applied after it. On failure the cache stays
   * unchecked (every unknown token or code is asked of Postgres) and is retried a little later.
   */
  private async ensureExact(): Promise<void> {
    if (this.core.isExact || !this.authLoad.due || !this.parsedConfig.success) return;
    const cfg = this.parsedConfig.data;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.core.isExact) return;
      const snapshot = await this.authLoad.run(cfg, loadAuthSnapshot);
      if (snapshot) this.core.loadAuth(snapshot);
    });
  }

  async agentWait(input: { tokenHash: string; timeoutMs: number; scope?: WaitScope; address?: string }): Promise<AgentWaitResult> {
    await this.ensureExact();
    return this.core.agentWait(input);
  }
  async tokenStatus(input: { hash: string; address: string }): Promise<DoorVerdict> {
    await this.ensureExact();
    return this.core.tokenStatus(input);
  }
  async admitEnroll(input: { hash: string; address: string }): Promise<DoorVerdict> {
    await this.ensureExact();
    return this.core.admitEnroll(input);
  }
  expectToken(input: { agentId: string; hash: string }): Promise<void> {
    return this.core.expectToken(input);
  }
  learnEnrollment(input: { hash: string; expiresAt: number }): Promise<void> {
    return this.core.learnEnrollment(input);
  }
  forgetEnrollment(hash: string): Promise<void> {
    return this.core.forgetEnrollment(hash);
  }
  noteRefusal(address: string): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    return this.core.noteRefusal(address);
  }
  learnAgent(agent: HubAgent): Promise<void> {
    return this.core.learnAgent(agent);
  }
  forgetAgent(agentId: string): Promise<void> {
    return this.core.forgetAgent(agentId);
  }
  claimDone(input: { agentId: string; gen: number; found: boolean; scope?: WaitScope }): Promise<void> {
    return this.core.claimDone(input);
  }
  pokeWork(): Promise<void> {
    return this.core.pokeWork();
  }
  jobWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.core.jobWait(input);
  }
  pokeJob(jobId: string): Promise<void> {
    return this.core.pokeJob(jobId);
  }
  jobViewWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.core.jobViewWait(input);
  }
  pokeJobView(jobId: string): Promise<void> {
    return this.core.pokeJobView(jobId);
  }
  presence(): Promise<AgentPresence[]> {
    return this.core.presence();
  }
  overviewWait(input: { sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.core.overviewWait(input);
  }
  pokeOverview(): Promise<void> {
    return this.core.pokeOverview();
  }
  agentOffline(agentId: string): Promise<void> {
    return this.core.agentOffline(agentId);
  }

  async watchLease(expiresAtMs: number): Promise<void> {
    const at = expiresAtMs + this.graceMs();
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const logger = createLogger({ task: 'hub-alarm' });
    const cfg = this.config();
    if (!cfg.success) {
      logger.error('lease sweep skipped: bad environment');
      return;
    }
    const handle = openDb(cfg.data);
    try {
      const result = await expireLeases(handle.db);
      if (result.requeued.length) await this.core.pokeWork();
      for (const id of [...result.requeued, ...result.needsAttention, ...result.cancelled]) await this.core.pokeJob(id);
      if (result.nextExpiryMs !== null) await this.ctx.storage.setAlarm(Math.max(Date.now(), result.nextExpiryMs) + this.graceMs());
    } catch (err) {
      // Retry soon: a job may still hold an expired lease.
      logger.error('lease sweep failed', { error: String(err) });
      await this.ctx.storage.setAlarm(Date.now() + 10_000);
    } finally {
      await handle.end();
    }
  }

  private graceMs(): number {
    const cfg = this.config();
    return cfg.success ? cfg.data.HUB_ALARM_GRACE_MS : 1_000;
  }
}
