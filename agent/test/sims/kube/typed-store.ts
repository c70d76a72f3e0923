/**
 * @module kube-sim/typed-store
 * Typed seeding/inspection API over the registry, so tests can arrange cluster state directly. Writes go
 * through the same registry as API requests (defaulting, validation, watch events, controllers).
 */
import { findResource } from './resources.js';
import type { Registry } from './registry.js';
import type { ConfigMap, Deployment, KubeObject, Namespace, PersistentVolumeClaim, Pod, Secret, Service, StatefulSet } from './types.js';

export interface NamespacedAccessor<T extends KubeObject> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
  /** Creates the object in metadata.namespace (default "default"). */
  create(obj: T): T;
  /** Replaces the object (status included when the kind has a status subresource). */
  update(obj: T): T;
  /** Deletes like the API does (pods terminate gracefully unless gracePeriodSeconds is 0). */
  delete(namespace: string, name: string, opts?: { gracePeriodSeconds?: number }): void;
}

export interface ClusterAccessor<T extends KubeObject> {
  get(name: string): T | undefined;
  list(): T[];
  create(obj: T): T;
  update(obj: T): T;
  delete(name: string): void;
}

function namespaced<T extends KubeObject>(registry: Registry, group: string, plural: string): NamespacedAccessor<T> {
  const def = findResource(group, group === '' ? 'v1' : 'v1', plural)!;
  return {
    get: (ns, name) => registry.store.get(def, ns, name) as T | undefined,
    list: (ns) => registry.store.list(def, ns) as T[],
    create: (obj) => registry.create(def, obj.metadata.namespace ?? 'default', obj) as T,
    update: (obj) => {
      const ns = obj.metadata.namespace ?? 'default';
      const name = obj.metadata.name ?? '';
      const main = registry.update(def, ns, name, obj);
      return (def.hasStatus && obj.status !== undefined ? registry.update(def, ns, name, { ...main, status: obj.status }, { subresource: 'status' }) : main) as T;
    },
    delete: (ns, name, opts) => {
      registry.delete(def, ns, name, opts?.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds });
    },
  };
}

function cluster<T extends KubeObject>(registry: Registry, plural: string): ClusterAccessor<T> {
  const def = findResource('', 'v1', plural)!;
  return {
    get: (name) => registry.store.get(def, undefined, name) as T | undefined,
    list: () => registry.store.list(def) as T[],
    create: (obj) => registry.create(def, undefined, obj) as T,
    update: (obj) => {
      const name = obj.metadata.name ?? '';
      const main = registry.update(def, undefined, name, obj);
      return (def.hasStatus && obj.status !== undefined ? registry.update(def, undefined, name, { ...main, status: obj.status }, { subresource: 'status' }) : main) as T;
    },
    delete: (name) => {
      registry.delete(def, undefined, name);
    },
  };
}

export function typedStore(registry: Registry) {
  return {
    namespaces: cluster<Namespace>(registry, 'namespaces'),
    nodes: cluster<KubeObject>(registry, 'nodes'),
    pods: namespaced<Pod>(registry, '', 'pods'),
    services: namespaced<Service>(registry, '', 'services'),
    configmaps: namespaced<ConfigMap>(registry, '', 'configmaps'),
    secrets: namespaced<Secret>(registry, '', 'secrets'),
    persistentvolumeclaims: namespaced<PersistentVolumeClaim>(registry, '', 'persistentvolumeclaims'),
    events: namespaced<KubeObject>(registry, '', 'events'),
    statefulsets: namespaced<StatefulSet>(registry, 'apps', 'statefulsets'),
    deployments: namespaced<Deployment>(registry, 'apps', 'deployments'),
    /** The raw versioned store (resourceVersion counter, event history). */
    raw: registry.store,
  };
}

export type TypedStore = ReturnType<typeof typedStore>;
