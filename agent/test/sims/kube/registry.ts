/**
 * @module kube-sim/registry
 * The generic registry (k8s.io/apiserver genericregistry.Store semantics) shared by the HTTP handlers and
 * the typed seeding API: create with generateName, namespace checks, defaulting and validation; update with
 * optimistic concurrency, status/main separation and generation tracking; delete with graceful pod
 * termination, finalizers, namespace termination and owner-reference garbage collection; dry runs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { findResource, RESOURCES, type ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';
import { clone, nowTimestamp, type ObjectStore } from './store.js';
import { errors, successStatus } from './status.js';
import { applyDefaults, tracksGeneration } from './defaults.js';
import { validateObject } from './validate.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Timers } from './timers.js';

export interface RegistryTiming {
  /** How long a deleted pod stays Terminating (the kubelet stopping its containers). */
  podTerminationMs: number;
  /** How long a deleted namespace stays Terminating before its contents and itself are removed. */
  namespaceTerminationMs: number;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(): string {
  return [...randomBytes(5)].map((b) => GENERATE_ALPHABET[b % GENERATE_ALPHABET.length]).join('');
}

function specOf(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

export class Registry {
  constructor(
    readonly store: ObjectStore,
    private readonly timers: Timers,
    private readonly timing: RegistryTiming,
  ) {}

  get(def: ResourceDef, ns: string | undefined, name: string): KubeObject {
    const o = this.store.get(def, ns, name);
    if (!o) throw errors.notFound(def.group, def.plural, name);
    return o;
  }

  list(def: ResourceDef, ns: string | undefined, labelSelector?: string, fieldSelector?: string): { items: KubeObject[]; rv: string } {
    const byLabel = labelSelector ? parseLabelSelector(labelSelector) : () => true;
    const byField = fieldSelector ? parseFieldSelector(fieldSelector, def) : () => true;
    const rv = this.store.currentRV();
    const items = this.store.list(def, ns).filter((o) => byLabel(o.metadata.labels) && byField(o));
    return { items, rv };
  }

  private checkNamespace(def: ResourceDef, ns: string | undefined, o: KubeObject, name: string): void {
    if (!def.namespaced) {
      delete o.metadata.namespace;
      return;
    }
    if (o.metadata.namespace !== undefined && o.metadata.namespace !== '' && o.metadata.namespace !== ns) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    o.metadata.namespace = ns;
    const nsObj = this.store.get(NAMESPACES, undefined, ns ?? '');
    if (!nsObj) throw errors.notFound('', 'namespaces', ns ?? '');
    if (nsObj.metadata.deletionTimestamp) {
      throw errors.forbidden(
        `${def.group ? `${def.plural}.${def.group}` : def.plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        { name, ...(def.group ? { group: def.group } : {}), kind: def.plural },
      );
    }
  }

  create(def: ResourceDef, ns: string | undefined, body: KubeObject, dryRun = false): KubeObject {
    const o = clone(body);
    o.metadata = o.metadata ?? {};
    if (o.metadata.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${suffix()}`;
    o.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    o.kind = def.kind;
    this.checkNamespace(def, ns, o, o.metadata.name ?? '');
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) delete o.metadata[f];
    if (tracksGeneration(def)) o.metadata.generation = 1;
    else delete o.metadata.generation;
    applyDefaults(def, o, true);
    validateObject(def, o);
    if (dryRun) {
      if (this.store.get(def, o.metadata.namespace, o.metadata.name ?? '')) throw errors.alreadyExists(def.group, def.plural, o.metadata.name ?? '');
      o.metadata.uid = randomUUID();
      o.metadata.creationTimestamp = nowTimestamp();
      return o;
    }
    return this.store.create(def, o);
  }

  /** PUT semantics; `subresource` 'status' replaces only status, otherwise status is preserved. */
  update(def: ResourceDef, ns: string | undefined, name: string, body: KubeObject, opts: { dryRun?: boolean; subresource?: 'status' } = {}): KubeObject {
    const old = this.get(def, ns, name);
    const o = clone(body);
    o.metadata = o.metadata ?? {};
    if (o.metadata.name !== undefined && o.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && o.metadata.namespace && o.metadata.namespace !== ns) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const expectedRV = o.metadata.resourceVersion;
    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = { ...old, status: o.status };
    } else {
      next = o;
      next.metadata = { ...o.metadata, name, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp };
      if (def.namespaced) next.metadata.namespace = ns;
      else delete next.metadata.namespace;
      if (old.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
        if (old.metadata.deletionGracePeriodSeconds !== undefined) next.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      }
      if (def.hasStatus) next.status = old.status;
      next.apiVersion = old.apiVersion;
      next.kind = old.kind;
      applyDefaults(def, next, false);
      validateObject(def, next);
      if (tracksGeneration(def)) {
        const gen = old.metadata.generation ?? 1;
        next.metadata.generation = specOf(next) === specOf(old) ? gen : gen + 1;
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (opts.dryRun) return next;
    const stored = this.store.update(def, next, expectedRV);
    // Removing the last finalizer completes a pending deletion (pods finish through the kubelet timer).
    if (stored.metadata.deletionTimestamp && !(stored.metadata.finalizers?.length) && def.kind !== 'Pod' && def.kind !== 'Namespace') {
      this.store.remove(def, ns, name);
    }
    return stored;
  }

  /** Returns the HTTP body the apiserver answers a DELETE with. */
  delete(def: ResourceDef, ns: string | undefined, name: string, opts: DeleteOptions = {}): object {
    const old = this.get(def, ns, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw errors.conflict(def.group, def.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw errors.conflict(def.group, def.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    const done = (o: KubeObject): object =>
      def.returnDeletedObject ? o : successStatus({ name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: old.metadata.uid ?? '' });
    if (opts.dryRun) return done(old);

    const graceful = def.kind === 'Pod' || def.kind === 'Namespace' || (old.metadata.finalizers?.length ?? 0) > 0;
    const grace = opts.gracePeriodSeconds ?? (def.kind === 'Pod' ? Number((old.spec as { terminationGracePeriodSeconds?: number })?.terminationGracePeriodSeconds ?? 30) : 0);
    if (graceful && !(def.kind === 'Pod' && grace === 0 && !old.metadata.finalizers?.length)) {
      if (old.metadata.deletionTimestamp) return done(old);
      const marked = clone(old);
      marked.metadata.deletionTimestamp = nowTimestamp(Date.now() + grace * 1000);
      if (def.kind === 'Pod') marked.metadata.deletionGracePeriodSeconds = grace;
      if (def.kind === 'Namespace') marked.status = { ...(marked.status as object), phase: 'Terminating' };
      const stored = this.store.update(def, marked);
      if (def.kind === 'Pod') this.timers.after(this.timing.podTerminationMs, () => this.finishPod(def, ns, name, stored.metadata.uid));
      if (def.kind === 'Namespace') this.timers.after(this.timing.namespaceTerminationMs, () => this.finishNamespace(name));
      this.collectDependents(old, opts.propagationPolicy);
      return done(stored);
    }
    const removed = this.store.remove(def, ns, name) ?? old;
    this.collectDependents(removed, opts.propagationPolicy);
    return done(removed);
  }

  private finishPod(def: ResourceDef, ns: string | undefined, name: string, uid: string | undefined): void {
    const cur = this.store.get(def, ns, name);
    if (cur && cur.metadata.uid === uid && !cur.metadata.finalizers?.length) this.store.remove(def, ns, name);
  }

  private finishNamespace(name: string): void {
    for (const def of RESOURCES) {
      if (!def.namespaced || !def.stored) continue;
      for (const o of this.store.list(def, name)) this.store.remove(def, name, o.metadata.name ?? '');
    }
    this.store.remove(NAMESPACES, undefined, name);
  }

  /** The garbage collector: dependents of a deleted owner are deleted (Background/Foreground) or orphaned. */
  private collectDependents(owner: KubeObject, policy: DeleteOptions['propagationPolicy']): void {
    const uid = owner.metadata.uid;
    const ns = owner.metadata.namespace;
    for (const def of RESOURCES) {
      if (!def.stored || !def.namespaced || ns === undefined) continue;
      for (const dep of this.store.list(def, ns)) {
        const refs = dep.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === uid)) continue;
        if (policy === 'Orphan') {
          dep.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
          this.store.update(def, dep);
        } else {
          try {
            this.delete(def, ns, dep.metadata.name ?? '', { propagationPolicy: 'Background' });
          } catch {
            // Already gone: nothing to collect.
          }
        }
      }
    }
  }
}

