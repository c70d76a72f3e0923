/**
 * @module
 * The hub's in-memory state, free of Cloudflare imports so the Durable Object and the
 * in-process fallback (Node tests) share it. It answers three questions without touching SQL:
 * - Which token hash belongs to which live agent (an auth cache kept exact by the worker
 *   calling `learnAgent`/`forgetAgent` on enroll, rotate and revoke — no TTL, since a TTL
 *   would mean periodic SQL on an idle system).
 * - Whether an agent may have claimable work (a per-agent dirty flag set by `pokeWork`, cleared
 *   only by a claim that found nothing *as of the same generation*, so a poke that lands during
 *   that claim's SQL is never lost). Unknown agents start dirty: after a hub restart each agent
 *   makes exactly one claim query.
 * - Who is parked: agents long-polling for work and requests waiting on a job channel (the
 *   heartbeat cancel channel, the admin's live log stream), woken by `pokeWork`/`pokeJob`.
 */

/** `firstContact`: the hub had no presence for the agent (new, back after /offline, or after a hub restart). */
export type AgentWaitResult =
  | { kind: 'unknown' }
  | { kind: 'claim'; agentId: string; tags: string[]; gen: number; firstContact?: boolean }
  | { kind: 'idle'; agentId: string; firstContact?: boolean };

export interface HubAgent {
  agentId: string;
  tokenHashes: string[];
  tags: string[];
}

export interface AgentPresence {
  agentId: string;
  lastSeenAt: number;
  waiting: boolean;
}

/** What the worker needs from the hub; every method is async so a DO stub satisfies it. */
export interface HubApi {
  agentWait(input: { tokenHash: string; timeoutMs: number }): Promise<AgentWaitResult>;
  learnAgent(agent: HubAgent): Promise<void>;
  forgetAgent(agentId: string): Promise<void>;
  claimDone(input: { agentId: string; gen: number; found: boolean }): Promise<void>;
  pokeWork(): Promise<void>;
  jobWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }>;
  pokeJob(jobId: string): Promise<void>;
  /**
   * The admin's view channel of a job: woken by every `pokeJob` and also by `pokeJobView`, which
   * says "only what the admin sees changed" (heartbeat progress, a claim). Kept apart so such a
   * change never wakes the agent's own heartbeat long-poll, which would turn it into a busy loop.
   */
  jobViewWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }>;
  pokeJobView(jobId: string): Promise<void>;
  /** Arms the lease-expiry alarm for a running job (no-op where there are no alarms). */
  watchLease(expiresAtMs: number): Promise<void>;
  presence(): Promise<AgentPresence[]>;
  /** The daemon said it is stopping: drop its presence now and end its parked long-poll. */
  agentOffline(agentId: string): Promise<void>;
}

/** Job ids never contain ':' (ResourceId), so view channels share the job maps without clashing. */
const viewKey = (jobId: string) => `view:${jobId}`;

interface Waiter {
  wake(): void;
}

export class HubCore {
  private readonly byToken = new Map<string, HubAgent>();
  private readonly agentsById = new Map<string, HubAgent>();
  /** Generation of work pokes; an agent is dirty when its cleared-at gen is behind. */
  private workGen = 1;
  private readonly cleanAt = new Map<string, number>();
  private readonly agentWaiters = new Map<string, Set<Waiter>>();
  private readonly jobGens = new Map<string, number>();
  private readonly jobWaiters = new Map<string, Set<Waiter>>();
  private readonly lastSeen = new Map<string, number>();
  /** Agents that said they stopped; cleared by their next /wait. */
  private readonly offline = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  async agentWait(input: { tokenHash: string; timeoutMs: number }): Promise<AgentWaitResult> {
    const agent = this.byToken.get(input.tokenHash);
    if (!agent) return { kind: 'unknown' };
    const { agentId } = agent;
    const firstContact = !this.lastSeen.has(agentId);
    this.offline.delete(agentId); // a new long-poll: it is back
    this.lastSeen.set(agentId, this.now());
    if (this.isDirty(agentId)) return { kind: 'claim', agentId, tags: agent.tags, gen: this.workGen, firstContact };
    if (input.timeoutMs > 0) await this.park(this.agentWaiters, agentId, input.timeoutMs);
    // Said it stopped while this poll was parked: the poll is over and proves nothing about presence.
    if (this.offline.has(agentId)) return { kind: 'idle', agentId, firstContact };
    this.lastSeen.set(agentId, this.now());
    // Revoked while parked: make the worker re-check (it will answer 401).
    if (!this.agentsById.has(agentId)) return { kind: 'unknown' };
    if (this.isDirty(agentId)) return { kind: 'claim', agentId, tags: agent.tags, gen: this.workGen, firstContact };
    return { kind: 'idle', agentId, firstContact };
  }

  async learnAgent(agent: HubAgent): Promise<void> {
    const old = this.agentsById.get(agent.agentId);
    if (old) for (const h of old.tokenHashes) this.byToken.delete(h);
    const copy = { agentId: agent.agentId, tokenHashes: [...agent.tokenHashes], tags: [...agent.tags] };
    this.agentsById.set(agent.agentId, copy);
    for (const h of copy.tokenHashes) this.byToken.set(h, copy);
  }

  async forgetAgent(agentId: string): Promise<void> {
    const old = this.agentsById.get(agentId);
    if (old) for (const h of old.tokenHashes) this.byToken.delete(h);
    this.agentsById.delete(agentId);
    this.cleanAt.delete(agentId);
    this.offline.delete(agentId);
    this.wakeAll(this.agentWaiters, agentId);
  }

  async claimDone(input: { agentId: string; gen: number; found: boolean }): Promise<void> {
    // A claim that found a job leaves the agent dirty: more work may be queued behind it.
    if (!input.found) this.cleanAt.set(input.agentId, Math.max(this.cleanAt.get(input.agentId) ?? 0, input.gen));
  }

  async pokeWork(): Promise<void> {
    this.workGen++;
    for (const id of [...this.agentWaiters.keys()]) this.wakeAll(this.agentWaiters, id);
  }

  async jobWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.channelWait(input.jobId, input);
  }

  async pokeJob(jobId: string): Promise<void> {
    this.bump(jobId);
    this.bump(viewKey(jobId));
  }

  async jobViewWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.channelWait(viewKey(input.jobId), input);
  }

  async pokeJobView(jobId: string): Promise<void> {
    this.bump(viewKey(jobId));
  }

  async watchLease(_expiresAtMs: number): Promise<void> {}

  async agentOffline(agentId: string): Promise<void> {
    this.offline.add(agentId);
    this.lastSeen.delete(agentId);
    this.wakeAll(this.agentWaiters, agentId);
  }

  async presence(): Promise<AgentPresence[]> {
    return [...this.lastSeen].map(([agentId, lastSeenAt]) => ({
      agentId,
      lastSeenAt,
      waiting: (this.agentWaiters.get(agentId)?.size ?? 0) > 0,
    }));
  }

  /** Forget job channels nobody waits on, so a long-lived hub does not grow without bound. */
  pruneJob(jobId: string): void {
    for (const key of [jobId, viewKey(jobId)]) if (!this.jobWaiters.get(key)?.size) this.jobGens.delete(key);
  }

  private async channelWait(key: string, input: { sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    const current = this.jobGens.get(key) ?? 0;
    if (input.sinceGen === null || current !== input.sinceGen || input.timeoutMs <= 0) {
      return { gen: current, changed: input.sinceGen !== null && current !== input.sinceGen };
    }
    await this.park(this.jobWaiters, key, input.timeoutMs);
    const after = this.jobGens.get(key) ?? 0;
    return { gen: after, changed: after !== input.sinceGen };
  }

  private bump(key: string): void {
    this.jobGens.set(key, (this.jobGens.get(key) ?? 0) + 1);
    this.wakeAll(this.jobWaiters, key);
  }

  private isDirty(agentId: string): boolean {
    return (this.cleanAt.get(agentId) ?? 0) < this.workGen;
  }

  private park(map: Map<string, Set<Waiter>>, key: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      const waiter: Waiter = {
        wake: () => {
          clearTimeout(timer);
          set.delete(waiter);
          if (set.size === 0 && map.get(key) === set) map.delete(key);
          resolve();
        },
      };
      const timer = setTimeout(() => waiter.wake(), timeoutMs);
      set.add(waiter);
    });
  }

  private wakeAll(map: Map<string, Set<Waiter>>, key: string): void {
    const set = map.get(key);
    if (!set) return;
    for (const w of [...set]) w.wake();
  }
}
