/**
 * @module kube-sim/store
 * Versioned object storage (the simulator's etcd): one global resourceVersion counter, a bounded event
 * history so watches can resume from a list's resourceVersion, and listeners for watches and controllers.
 * Objects are stored and returned as deep copies so callers never alias stored state.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';
import { errors } from './status.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  def: ResourceDef;
  object: KubeObject;
  rv: number;
}

const HISTORY_LIMIT = 20_000;

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function nowTimestamp(at = Date.now()): string {
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class ObjectStore {
  private rv = 1;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();

  private key(def: ResourceDef, ns: string | undefined, name: string): string {
    return `${def.group}/${def.plural}/${def.namespaced ? (ns ?? '') : ''}/${name}`;
  }

  currentRV(): string {
    return String(this.rv);
  }

  get(def: ResourceDef, ns: string | undefined, name: string): KubeObject | undefined {
    const obj = this.objects.get(this.key(def, ns, name));
    return obj ? clone(obj) : undefined;
  }

  /** All objects of a resource, optionally in one namespace, ordered like etcd keys (namespace, name). */
  list(def: ResourceDef, ns?: string): KubeObject[] {
    const prefix = `${def.group}/${def.plural}/${def.namespaced && ns !== undefined ? `${ns}/` : ''}`;
    const out: KubeObject[] = [];
    for (const [k, v] of this.objects) if (k.startsWith(prefix)) out.push(clone(v));
    return out.sort((a, b) => this.sortKey(a).localeCompare(this.sortKey(b)));
  }

  private sortKey(o: KubeObject): string {
    return `${o.metadata.namespace ?? ''}\u0000${o.metadata.name ?? ''}`;
  }

  /** Inserts a new object, stamping uid, resourceVersion and creationTimestamp. */
  create(def: ResourceDef, obj: KubeObject): KubeObject {
    const name = obj.metadata.name ?? '';
    const k = this.key(def, obj.metadata.namespace, name);
    if (this.objects.has(k)) throw errors.alreadyExists(def.group, def.plural, name);
    const stored = clone(obj);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = nowTimestamp();
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, stored);
    this.emit('ADDED', def, stored);
    return clone(stored);
  }

  /** Replaces an existing object; `expectedRV` enforces optimistic concurrency like a guaranteed update. */
  update(def: ResourceDef, obj: KubeObject, expectedRV?: string): KubeObject {
    const name = obj.metadata.name ?? '';
    const k = this.key(def, obj.metadata.namespace, name);
    const old = this.objects.get(k);
    if (!old) throw errors.notFound(def.group, def.plural, name);
    if (expectedRV && expectedRV !== old.metadata.resourceVersion) {
      throw errors.conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const stored = clone(obj);
    stored.metadata.uid = old.metadata.uid;
    stored.metadata.creationTimestamp = old.metadata.creationTimestamp;
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, stored);
    this.emit('MODIFIED', def, stored);
    return clone(stored);
  }

  remove(def: ResourceDef, ns: string | undefined, name: string): KubeObject | undefined {
    const k = this.key(def, ns, name);
    const old = this.objects.get(k);
    if (!old) return undefined;
    this.objects.delete(k);
    // The DELETED event carries the final state at a fresh resourceVersion, as etcd's delete revision.
    old.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', def, old);
    return clone(old);
  }

  private emit(type: EventType, def: ResourceDef, object: KubeObject): void {
    const ev: StoreEvent = { type, def, object: clone(object), rv: this.rv };
    this.history.push(ev);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const l of [...this.listeners]) l(ev);
  }

  /** Events after `rv` for one resource, or 'expired' when history no longer reaches back that far. */
  eventsSince(def: ResourceDef, rv: number): StoreEvent[] | 'expired' {
    const first = this.history[0];
    if (first && rv < first.rv - 1) return 'expired';
    return this.history.filter((e) => e.rv > rv && e.def === def);
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
