/**
 * @module kube-sim/controllers
 * StatefulSet and Deployment controllers. StatefulSets own pods NAME-0..N-1 (OrderedReady: one at a time,
 * each waiting for its predecessor to be Ready; Parallel: all at once), create PVCs from volumeClaimTemplates
 * (kept on scale-down and deletion, the default Retain policy), scale down from the highest ordinal, roll
 * template changes in reverse ordinal order honouring the partition, and publish the status fields
 * `kubectl rollout status` checks. Deployments are status-only: they report all replicas updated and
 * available at once (no ReplicaSets or pods).
 */
import { createHash } from 'node:crypto';
import { findResource } from './resources.js';
import type { Registry } from './registry.js';
import type { StoreEvent } from './store.js';
import type { Timers } from './timers.js';
import type { Deployment, KubeObject, Pod, StatefulSet, Volume } from './types.js';
import { nowTimestamp } from './store.js';

const PODS = findResource('', 'v1', 'pods')!;
const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;
const STS = findResource('apps', 'v1', 'statefulsets')!;
const DEPLOY = findResource('apps', 'v1', 'deployments')!;

function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

function isReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function startControllers(registry: Registry, timers: Timers): () => void {
  const store = registry.store;
  const pending = new Set<string>();
  const enqueue = (kind: 'sts' | 'deploy', ns: string, name: string) => {
    const key = `${kind}/${ns}/${name}`;
    if (pending.has(key)) return;
    pending.add(key);
    timers.after(0, () => {
      pending.delete(key);
      if (kind === 'sts') reconcileStatefulSet(ns, name);
      else reconcileDeployment(ns, name);
    });
  };

  function ownedPods(sts: StatefulSet): Map<number, Pod> {
    const out = new Map<number, Pod>();
    for (const p of store.list(PODS, sts.metadata.namespace) as Pod[]) {
      if (!(p.metadata.ownerReferences ?? []).some((r) => r.uid === sts.metadata.uid)) continue;
      const m = (p.metadata.name ?? '').match(/-(\d+)$/);
      if (m && p.metadata.name === `${sts.metadata.name}-${m[1]}`) out.set(Number(m[1]), p);
    }
    return out;
  }

  function createPod(sts: StatefulSet, ordinal: number, revision: string): void {
    const ns = sts.metadata.namespace ?? 'default';
    const name = `${sts.metadata.name}-${ordinal}`;
    const tpl = sts.spec.template;
    const claimVolumes: Volume[] = [];
    for (const t of sts.spec.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata.name}-${name}`;
      if (!store.get(PVCS, ns, claimName)) {
        registry.create(PVCS, ns, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claimName, labels: { ...(sts.spec.selector.matchLabels ?? {}) } }, spec: structuredClone(t.spec) });
      }
      claimVolumes.push({ name: t.metadata.name ?? '', persistentVolumeClaim: { claimName } });
    }
    const spec = structuredClone(tpl.spec);
    spec.volumes = [...(spec.volumes ?? []).filter((v) => !claimVolumes.some((c) => c.name === v.name)), ...claimVolumes];
    spec.hostname = name;
    if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { ...(tpl.metadata?.labels ?? {}), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) },
        ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name ?? '', uid: sts.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec,
    };
    registry.create(PODS, ns, pod);
  }

  function reconcileStatefulSet(ns: string, name: string): void {
    const sts = store.get(STS, ns, name) as StatefulSet | undefined;
    if (!sts || sts.metadata.deletionTimestamp) return;
    const replicas = sts.spec.replicas ?? 1;
    const revision = `${name}-${templateHash(sts.spec.template)}`;
    const parallel = sts.spec.podManagementPolicy === 'Parallel';
    const pods = ownedPods(sts);
    const rev = (p: Pod) => p.metadata.labels?.['controller-revision-hash'];
    let busy = false;
    for (let i = 0; i < replicas; i++) {
      const p = pods.get(i);
      if (!p) {
        createPod(sts, i, revision);
        busy = true;
        if (!parallel) break;
      } else if (!isReady(p)) {
        busy = true;
        if (!parallel) break;
      }
    }
    const condemned = [...pods.entries()].filter(([i, p]) => i >= replicas && !p.metadata.deletionTimestamp).sort((a, b) => b[0] - a[0]);
    const terminating = [...pods.values()].some((p) => p.metadata.deletionTimestamp);
    if (condemned.length > 0 && (parallel || (!busy && !terminating))) {
      for (const [, p] of parallel ? condemned : condemned.slice(0, 1)) registry.delete(PODS, ns, p.metadata.name ?? '');
      busy = true;
    }
    const strategy = sts.spec.updateStrategy ?? {};
    if (!busy && !terminating && (strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const partition = strategy.rollingUpdate?.partition ?? 0;
      const outdated = [...pods.entries()].filter(([i, p]) => i < replicas && i >= partition && rev(p) !== revision).sort((a, b) => b[0] - a[0]);
      if (outdated[0]) registry.delete(PODS, ns, outdated[0][1].metadata.name ?? '');
    }
    writeStatefulSetStatus(ns, name, revision);
  }

  function writeStatefulSetStatus(ns: string, name: string, revision: string): void {
    const sts = store.get(STS, ns, name) as StatefulSet | undefined;
    if (!sts) return;
    const live = [...ownedPods(sts).values()].filter((p) => !p.metadata.deletionTimestamp);
    const old = (sts.status ?? {}) as Record<string, unknown>;
    const updated = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision);
    const ready = live.filter(isReady);
    const replicas = sts.spec.replicas ?? 1;
    const complete = updated.length === live.length && updated.filter(isReady).length >= replicas;
    const currentRevision = complete || !old.currentRevision ? revision : String(old.currentRevision);
    const status = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: ready.length,
      currentReplicas: live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === currentRevision).length,
      updatedReplicas: updated.length,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
      availableReplicas: ready.length,
    };
    if (JSON.stringify(status) !== JSON.stringify(old)) store.update(STS, { ...sts, status });
  }

  function reconcileDeployment(ns: string, name: string): void {
    const d = store.get(DEPLOY, ns, name) as Deployment | undefined;
    if (!d || d.metadata.deletionTimestamp) return;
    const replicas = d.spec.replicas ?? 1;
    const rs = `${name}-${templateHash(d.spec.template)}`;
    const t = nowTimestamp();
    const old = (d.status ?? {}) as Record<string, unknown>;
    const status = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs}" has successfully progressed.` },
      ],
    };
    const strip = (s: Record<string, unknown>) => JSON.stringify({ ...s, conditions: undefined });
    if (strip(status) !== strip(old)) store.update(DEPLOY, { ...d, status });
  }

  return store.subscribe((ev: StoreEvent) => {
    const m = ev.object.metadata;
    const ns = m.namespace ?? '';
    if (ev.def === STS && ev.type !== 'DELETED') enqueue('sts', ns, m.name ?? '');
    else if (ev.def === DEPLOY && ev.type !== 'DELETED') enqueue('deploy', ns, m.name ?? '');
    else if (ev.def === PODS) {
      for (const r of (ev.object as KubeObject).metadata.ownerReferences ?? []) if (r.kind === 'StatefulSet') enqueue('sts', ns, r.name);
    }
  });
}
