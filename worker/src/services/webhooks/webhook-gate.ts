/**
 * @module
 * The webhook's door, in front of Postgres. Plex cannot sign requests, so anyone can POST to
 * `/webhooks/plex/<anything>`; before this, each well-formed guess cost a query (and kept Neon
 * awake). The gate knows the exact set of valid secret hashes — loaded from Postgres once per
 * Durable Object lifetime and reloaded whenever the admin creates or rotates a secret — so an
 * unknown secret is refused with no query at all, and refusals are counted per source address
 * (lib/address-limiter.ts) so a scanner is slowed to a 429 without SQL either.
 *
 * The retrier Durable Object hosts it (one instance for the deployment: the set and the counts
 * are exact across isolates). Where there is no Durable Object (the app driven in Node) the gate
 * is not loaded: every guess goes to Postgres as before, and refusals are counted in isolate
 * memory. If loading fails (Postgres down) the gate fails open — to the query, never to a drop.
 *
 * Lookups go by the SHA-256 of the secret, as in Postgres; an exact-match Map answers in time
 * independent of how much of a guess is right, like the constant-time compare after the query.
 */
import { AddressLimiter } from '../../lib/address-limiter';

export type Admission =
  /** A valid secret: go on (the query still checks it, and the per-secret rate limit). */
  | { kind: 'known' }
  /** Not a valid secret: refuse as an unknown route, no query. */
  | { kind: 'unknown' }
  /** This address spent its refusal budget: 429, no query. */
  | { kind: 'limited'; retryAfterSeconds: number }
  /** The set is not known here: ask Postgres. */
  | { kind: 'unchecked' };

export interface SecretEntry {
  hash: string;
  /** Epoch ms, or null for the current secret. */
  expiresAt: number | null;
}

/** What the worker needs from the gate; async so a Durable Object stub satisfies it. */
export interface WebhookGateApi {
  /** Checks a presented secret's hash; `armAt` (epoch ms) arms the retrier's stranded-event alarm for a valid one. */
  admit(input: { hash: string; address: string; armAt?: number }): Promise<Admission>;
  /** A refusal decided elsewhere (by Postgres, when the gate was unchecked). */
  noteRefusal(address: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  /** Re-reads the valid secrets (after the admin created or rotated one). */
  reloadSecrets(): Promise<void>;
}

export class WebhookGateCore {
  private secrets: Map<string, number | null> | null = null;

  constructor(
    readonly limiter: AddressLimiter,
    private readonly now: () => number = Date.now,
  ) {}

  get loaded(): boolean {
    return this.secrets !== null;
  }

  load(entries: SecretEntry[]): void {
    this.secrets = new Map(entries.map((e) => [e.hash, e.expiresAt]));
  }

  /** Forget the set (a reload failed): until the next load every secret is checked in Postgres. */
  unload(): void {
    this.secrets = null;
  }

  admit(hash: string, address: string): Admission {
    if (!this.secrets) return this.limiter.check(address).allowed ? { kind: 'unchecked' } : this.limited(address);
    const expiresAt = this.secrets.get(hash);
    if (expiresAt !== undefined && (expiresAt === null || expiresAt > this.now())) return { kind: 'known' };
    const v = this.limiter.hit(address);
    return v.allowed ? { kind: 'unknown' } : { kind: 'limited', retryAfterSeconds: v.retryAfterSeconds };
  }

  noteRefusal(address: string): { allowed: boolean; retryAfterSeconds: number } {
    return this.limiter.hit(address);
  }

  private limited(address: string): Admission {
    return { kind: 'limited', retryAfterSeconds: this.limiter.check(address).retryAfterSeconds };
  }
}
