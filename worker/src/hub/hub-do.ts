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
import { HubCore, type AgentPresence, type AgentWaitResult, type HubAgent, type HubApi } from './hub-core';

export class HubDO extends DurableObject<Bindings> implements HubApi {
  private readonly core = new HubCore();
  /** A DO's bindings never change: parse them once, not on every claim and alarm. */
  private parsedConfig?: ReturnType<typeof RuntimeConfig.safeParse>;

  private config(): ReturnType<typeof RuntimeConfig.safeParse> {
    return (this.parsedConfig ??= RuntimeConfig.safeParse(this.env));
  }

  agentWait(input: { tokenHash: string; timeoutMs: number }): Promise<AgentWaitResult> {
    return this.core.agentWait(input);
  }
  learnAgent(agent: HubAgent): Promise<void> {
    return this.core.learnAgent(agent);
  }
  forgetAgent(agentId: string): Promise<void> {
    return this.core.forgetAgent(agentId);
  }
  claimDone(input: { agentId: string; gen: number; found: boolean }): Promise<void> {
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
