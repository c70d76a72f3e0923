/**
 * @module
 * The hub's in-memory state, free of Cloudflare imports so the Durable Object and the
 * in-process fallback (Node tests) share it. It answers these questions without touching SQL:
 * - Which token hash belongs to which live agent (an auth cache kept exact by the worker
 *   calling `learnAgent`/`forgetAgent`/`expectToken` on enroll, rotate and revoke — no TTL,
 *   since a TTL would mean periodic SQL on an idle system). Once `loadAuth` has given it every
 *   live token and every open enrollment code (the DO does that once per lifetime: one query
 *   each), the cache is *exact*: an unknown agent token or enroll code is refused with no query
 *   at all, and refusals are counted per source address (lib/address-limiter.ts), so a scanner
 *   costs Postgres nothing. Unloaded (the Node fallback), unknown means "ask Postgres".
 * - Whether an agent may have claimable work (a per-agent dirty flag set by `pokeWork`, cleared
 *   only by a claim that found nothing *as of the same generation*, so a poke that lands during
 *   that claim's SQL is never lost). Unknown agents start dirty: after a hub restart each agent
 *   makes exactly one claim query. The flag is kept per scope: an empty claim for read-only
 *   kinds says nothing about other kinds, while an empty claim for any kind covers both.
 * - Who is parked: agents long-polling for work and requests waiting on a job channel (the
 *   heartbeat cancel channel, the admin's live log stream), woken by `pokeWork`/`pokeJob`.
 * - The overview channel: the admin's live dashboard (and its nav badges) re-read Postgres only
 *   when it moves. Every job poke moves it, and so do agents joining, leaving or coming back after
 *   a silence, and `pokeOverview` (webhook deliveries, conflict decisions).
 */

import { AddressLimiter } from '../lib/address-limiter';

/** `firstContact`: the hub had no presence for the agent (new, back after /offline, or after a hub restart). */
export type AgentWaitResult =
  /** Not cached: check the token in Postgres (then `learnAgent`). */
  | { kind: 'unknown' }
  /** Not a live token (the cache is exact): 401 without a query. */
  | { kind: 'refused' }
  /** This address spent its refusal budget: 429 without a query. */
  | { kind: 'limited'; retryAfterSeconds: number }
  | { kind: 'claim'; agentId: string; tags: string[]; gen: number; firstContact?: boolean }
  | { kind: 'idle'; agentId: string; firstContact?: boolean };

/** Which jobs an agent asks for: any, or only read-only kinds (its ordinary slots are busy). */
export type WaitScope = 'any' | 'read-only';

export interface HubAgent {
  agentId: string;
  tokenHashes: string[];
  tags: string[];
}

/** A door check (a token or an enroll code): known, refused without SQL, over budget, or "ask Postgres". */
export type DoorVerdict =
  | { kind: 'known' }
  /** `used`: an enrollment code this hub saw used, so the answer can say so. */
  | { kind: 'refused'; used?: true }
  | { kind: 'limited'; retryAfterSeconds: number }
  | { kind: 'unchecked' };

/** Everything `loadAuth` needs to make the cache exact, read from Postgres in one go. */
export interface AuthSnapshot {
  agents: HubAgent[];
  /** Tokens that work but whose first use must reach Postgres (it retires the pre-rotation token). */
  unverified: Array<{ hash: string; agentId: string }>;
  /** Open enrollment codes (SHA-256 of the normalised code) and when they expire (epoch ms). */
  enrollments: Array<{ hash: string; expiresAt: number }>;
}

export interface AgentPresence {
  agentId: string;
  lastSeenAt: number;
  waiting: boolean;
}

/** What the worker needs from the hub; every method is async so a DO stub satisfies it. */
export interface HubApi {
  /** `address` is the client's, for the refusal budget of an unknown token. */
  agentWait(input: { tokenHash: string; timeoutMs: number; scope?: WaitScope; address?: string }): Promise<AgentWaitResult>;
  learnAgent(agent: HubAgent): Promise<void>;
  forgetAgent(agentId: string): Promise<void>;
  /** A token that works but must be checked in Postgres on first use (a freshly rotated-in one). */
  expectToken(input: { agentId: string; hash: string }): Promise<void>;
  /** Door check for job-scoped agent requests (which then check the token in SQL anyway). */
  tokenStatus(input: { hash: string; address: string }): Promise<DoorVerdict>;
  /** Door check for `/enroll`: `hash` is the SHA-256 of the normalised code. */
  admitEnroll(input: { hash: string; address: string }): Promise<DoorVerdict>;
  learnEnrollment(input: { hash: string; expiresAt: number }): Promise<void>;
  forgetEnrollment(hash: string): Promise<void>;
  /** A refusal Postgres decided (the cache was unchecked); says whether the address is still within budget. */
  noteRefusal(address: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  claimDone(input: { agentId: string; gen: number; found: boolean; scope?: WaitScope }): Promise<void>;
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
  /** The admin dashboard's channel (see the module comment): wait for a change, or say there was one. */
  overviewWait(input: { sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }>;
  pokeOverview(): Promise<void>;
  /** The daemon said it is stopping: drop its presence now and end its parked long-poll. */
  agentOffline(agentId: string): Promise<void>;
}

/** Channels idle this long, with nobody waiting, are forgotten. */
const IDLE_CHANNEL_MS = 30 * 60_000;
const SWEEP_EVERY_BUMPS = 256;

/** Job ids never contain ':' (ResourceId), so view channels share the job maps without clashing. */
const viewKey = (jobId: string) => `view:${jobId}`;
/** The dashboard's channel key: ':' never occurs in a job id, so it cannot clash with one. */
const OVERVIEW = ':overview';
/**
 * An agent whose previous long-poll is older than this is "coming back" and moves the overview
 * (the admin's online window is 2 × the 25 s wait + 10 s = 60 s). Agents polling steadily never do,
 * so an idle household with a dashboard open is not woken every 25 s per agent.
 */
export const AGENT_RETURN_GAP_MS = 60_000;

interface Waiter {
  wake(): void;
}

export class HubCore {
  private readonly byToken = new Map<string, HubAgent>();
  private readonly agentsById = new Map<string, HubAgent>();
  /** Generation of work pokes; an agent is dirty when its cleared-at gen is behind. */
  private workGen = 1;
  /** Per agent and scope: the work generation its last empty claim saw. */
  private readonly cleanAt = new Map<string, Record<WaitScope, number>>();
  private readonly agentWaiters = new Map<string, Set<Waiter>>();
  private readonly jobGens = new Map<string, number>();
  private readonly jobWaiters = new Map<string, Set<Waiter>>();
  private readonly lastSeen = new Map<string, number>();
  /** When each job channel was last poked, oldest first (for the sweep). */
  private readonly jobTouched = new Map<string, number>();
  private bumps = 0;
  /** Live tokens whose first use must reach Postgres, by hash → agent id. */
  private readonly unverified = new Map<string, string>();
  /** Open enrollment codes by hash → expiry (epoch ms). Exact only once loaded. */
  private readonly enrollCodes = new Map<string, number>();
  /** Codes used since this hub started, until they would have expired: "already used", not "not valid". */
  private readonly usedCodes = new Map<string, number>();
  /** True once loadAuth ran: from then on, unknown means refused. */
  private exact = false;
  /** Agents that said they stopped; cleared by their next /wait. */
  private readonly offline = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limiter: AddressLimiter = new AddressLimiter(30, now),
  ) {}

  get isExact(): boolean {
    return this.exact;
  }

  /** Makes the cache exact. Merges (never removes): anything learned or forgotten meanwhile stays so. */
  loadAuth(snapshot: AuthSnapshot): void {
    for (const a of snapshot.agents) if (!this.agentsById.has(a.agentId)) void this.learnAgent(a);
    for (const u of snapshot.unverified) if (!this.byToken.has(u.hash) && this.agentsById.has(u.agentId)) this.unverified.set(u.hash, u.agentId);
    for (const e of snapshot.enrollments) if (!this.enrollCodes.has(e.hash)) this.enrollCodes.set(e.hash, e.expiresAt);
    this.exact = true;
  }

  async agentWait(input: { tokenHash: string; timeoutMs: number; scope?: WaitScope; address?: string }): Promise<AgentWaitResult> {
    const agent = this.byToken.get(input.tokenHash);
    if (!agent) {
      const door = this.door(this.unverified.has(input.tokenHash), input.address ?? 'unknown');
      return door.kind === 'known' || door.kind === 'unchecked' ? { kind: 'unknown' } : door;
    }
    const { agentId } = agent;
    const scope = input.scope ?? 'any';
    const previous = this.lastSeen.get(agentId);
    const firstContact = previous === undefined;
    this.offline.delete(agentId); // a new long-poll: it is back
    this.lastSeen.set(agentId, this.now());
    if (previous === undefined || this.now() - previous > AGENT_RETURN_GAP_MS) this.bump(OVERVIEW);
    if (this.isDirty(agentId, scope)) return { kind: 'claim', agentId, tags: agent.tags, gen: this.workGen, firstContact };
    if (input.timeoutMs > 0) await this.park(this.agentWaiters, agentId, input.timeoutMs);
    // Said it stopped while this poll was parked: the poll is over and proves nothing about presence.
    if (this.offline.has(agentId)) return { kind: 'idle', agentId, firstContact };
    this.lastSeen.set(agentId, this.now());
    // Revoked while parked: refuse (exact) or make the worker re-check (it will answer 401).
    if (!this.agentsById.has(agentId)) return this.exact ? { kind: 'refused' } : { kind: 'unknown' };
    if (this.isDirty(agentId, scope)) return { kind: 'claim', agentId, tags: agent.tags, gen: this.workGen, firstContact };
    return { kind: 'idle', agentId, firstContact };
  }

  async learnAgent(agent: HubAgent): Promise<void> {
    const old = this.agentsById.get(agent.agentId);
    if (old) for (const h of old.tokenHashes) this.byToken.delete(h);
    const copy = { agentId: agent.agentId, tokenHashes: [...agent.tokenHashes], tags: [...agent.tags] };
    this.agentsById.set(agent.agentId, copy);
    for (const h of copy.tokenHashes) {
      this.byToken.set(h, copy);
      this.unverified.delete(h);
    }
    this.bump(OVERVIEW);
  }

  async expectToken(input: { agentId: string; hash: string }): Promise<void> {
    if (!this.byToken.has(input.hash)) this.unverified.set(input.hash, input.agentId);
  }

  async tokenStatus(input: { hash: string; address: string }): Promise<DoorVerdict> {
    return this.door(this.byToken.has(input.hash) || this.unverified.has(input.hash), input.address);
  }

  async admitEnroll(input: { hash: string; address: string }): Promise<DoorVerdict> {
    const now = this.now();
    for (const codes of [this.enrollCodes, this.usedCodes]) {
      const expiresAt = codes.get(input.hash);
      if (expiresAt !== undefined && expiresAt <= now) codes.delete(input.hash);
    }
    const verdict = this.door(this.enrollCodes.has(input.hash), input.address);
    return verdict.kind === 'refused' && this.usedCodes.has(input.hash) ? { kind: 'refused', used: true } : verdict;
  }

  async learnEnrollment(input: { hash: string; expiresAt: number }): Promise<void> {
    this.enrollCodes.set(input.hash, input.expiresAt);
  }

  /** The code was used: refused from now on (remembered as used until it would have expired). */
  async forgetEnrollment(hash: string): Promise<void> {
    const expiresAt = this.enrollCodes.get(hash);
    this.enrollCodes.delete(hash);
    if (expiresAt !== undefined) this.usedCodes.set(hash, expiresAt);
  }

  async noteRefusal(address: string): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    return this.limiter.hit(address);
  }

  async forgetAgent(agentId: string): Promise<void> {
    const old = this.agentsById.get(agentId);
    if (old) for (const h of old.tokenHashes) this.byToken.delete(h);
    for (const [h, id] of this.unverified) if (id === agentId) this.unverified.delete(h);
    this.agentsById.delete(agentId);
    this.cleanAt.delete(agentId);
    this.offline.delete(agentId);
    this.wakeAll(this.agentWaiters, agentId);
    this.bump(OVERVIEW);
  }

  async claimDone(input: { agentId: string; gen: number; found: boolean; scope?: WaitScope }): Promise<void> {
    // A claim that found a job leaves the agent dirty: more work may be queued behind it.
    if (input.found) return;
    const clean = this.cleanAt.get(input.agentId) ?? { any: 0, 'read-only': 0 };
    const scopes: WaitScope[] = input.scope === 'read-only' ? ['read-only'] : ['any', 'read-only'];
    for (const s of scopes) clean[s] = Math.max(clean[s], input.gen);
    this.cleanAt.set(input.agentId, clean);
  }

  async pokeWork(): Promise<void> {
    this.workGen++;
    for (const id of [...this.agentWaiters.keys()]) this.wakeAll(this.agentWaiters, id);
    this.bump(OVERVIEW);
  }

  async jobWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.channelWait(input.jobId, input);
  }

  async pokeJob(jobId: string): Promise<void> {
    this.bump(jobId);
    this.bump(viewKey(jobId));
    this.bump(OVERVIEW);
  }

  async jobViewWait(input: { jobId: string; sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.channelWait(viewKey(input.jobId), input);
  }

  async pokeJobView(jobId: string): Promise<void> {
    this.bump(viewKey(jobId));
    this.bump(OVERVIEW);
  }

  async watchLease(_expiresAtMs: number): Promise<void> {}

  async agentOffline(agentId: string): Promise<void> {
    this.offline.add(agentId);
    this.lastSeen.delete(agentId);
    this.wakeAll(this.agentWaiters, agentId);
    this.bump(OVERVIEW);
  }

  async presence(): Promise<AgentPresence[]> {
    return [...this.lastSeen].map(([agentId, lastSeenAt]) => ({
      agentId,
      lastSeenAt,
      waiting: (this.agentWaiters.get(agentId)?.size ?? 0) > 0,
    }));
  }

  async overviewWait(input: { sinceGen: number | null; timeoutMs: number }): Promise<{ gen: number; changed: boolean }> {
    return this.channelWait(OVERVIEW, input);
  }

  async pokeOverview(): Promise<void> {
    this.bump(OVERVIEW);
  }

  /** Job channels kept in memory (tests watch that it does not grow without bound). */
  get jobChannels(): number {
    return this.jobGens.size;
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
    // Re-inserting keeps jobTouched in last-poked order, which the sweep relies on.
    this.jobTouched.delete(key);
    this.jobTouched.set(key, this.now());
    this.wakeAll(this.jobWaiters, key);
    if (++this.bumps % SWEEP_EVERY_BUMPS === 0) this.sweepJobChannels();
  }

  /**
   * Forgets job channels nobody waits on that were last poked long ago (finished jobs, mostly),
   * so a long-lived hub does not grow with every job ever run. A channel forgotten and poked
   * again starts over at generation 1; a waiter that still holds an old generation then sees a
   * change and re-reads, which is the safe side.
   */
  private sweepJobChannels(): void {
    const cutoff = this.now() - IDLE_CHANNEL_MS;
    for (const [key, at] of this.jobTouched) {
      if (at > cutoff) break; // in last-poked order: the rest are newer
      if (key === OVERVIEW || this.jobWaiters.get(key)?.size) continue;
      this.jobGens.delete(key);
      this.jobTouched.delete(key);
    }
  }

  /** Known → known; unknown and exact → a counted refusal; unknown and not exact → ask Postgres (unless over budget). */
  private door(known: boolean, address: string): DoorVerdict {
    if (known) return { kind: 'known' };
    if (!this.exact) {
      const v = this.limiter.check(address);
      return v.allowed ? { kind: 'unchecked' } : { kind: 'limited', retryAfterSeconds: v.retryAfterSeconds };
    }
    const v = this.limiter.hit(address);
    return v.allowed ? { kind: 'refused' } : { kind: 'limited', retryAfterSeconds: v.retryAfterSeconds };
  }

  private isDirty(agentId: string, scope: WaitScope): boolean {
    return (this.cleanAt.get(agentId)?.[scope] ?? 0) < this.workGen;
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
