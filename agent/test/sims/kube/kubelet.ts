/**
 * @module kube-sim/kubelet
 * Simulated scheduler + kubelet: new pods are bound to the single node right away (ContainerCreating), then
 * become Running and Ready after a configurable delay, with the conditions, containerStatuses, IPs and start
 * time that `kubectl get/wait/describe` read. Reactions run on timers, never inside a store event, so watchers
 * always see ADDED before the follow-up MODIFIED events.
 */
import { findResource } from './resources.js';
import { nowTimestamp, type ObjectStore } from './store.js';
import type { Timers } from './timers.js';
import type { Pod } from './types.js';
import { NODE_NAME } from './seed.js';

const PODS = findResource('', 'v1', 'pods')!;

export interface KubeletOptions {
  readyDelayMs: number;
  /** Return false to keep a pod Running but not Ready (a failing readiness probe). */
  podReady?: (pod: Pod) => boolean;
}

export function startKubelet(store: ObjectStore, timers: Timers, opts: KubeletOptions): () => void {
  let nextIP = 10;
  const current = (ns: string, name: string, uid: string | undefined): Pod | undefined => {
    const p = store.get(PODS, ns, name) as Pod | undefined;
    return p && p.metadata.uid === uid && !p.metadata.deletionTimestamp ? p : undefined;
  };
  const containerStatuses = (pod: Pod, running: boolean, ready: boolean) =>
    pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: running ? `${c.image ?? ''}@sha256:${'0'.repeat(64)}` : '',
      containerID: running ? `containerd://${'1'.repeat(64)}` : undefined,
      ready,
      started: running,
      restartCount: 0,
      state: running ? { running: { startedAt: nowTimestamp() } } : { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
    }));

  const start = (ns: string, name: string, uid: string | undefined) => {
    const pod = current(ns, name, uid);
    if (!pod) return;
    const ready = opts.podReady ? opts.podReady(pod) : true;
    const t = nowTimestamp();
    const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t } as const);
    pod.status = {
      ...pod.status,
      phase: 'Running',
      podIP: pod.status?.podIP ?? `10.244.0.${(nextIP++ % 250) + 2}`,
      podIPs: undefined,
      conditions: [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), cond('PodScheduled', true)],
      containerStatuses: containerStatuses(pod, true, ready),
    };
    if (pod.status.podIP) pod.status.podIPs = [{ ip: pod.status.podIP }];
    store.update(PODS, pod);
  };

  const schedule = (ns: string, name: string, uid: string | undefined) => {
    const pod = current(ns, name, uid);
    if (!pod || pod.status?.phase !== 'Pending' || pod.spec.nodeName) return;
    const t = nowTimestamp();
    pod.spec.nodeName = NODE_NAME;
    pod.status = {
      ...pod.status,
      hostIP: '10.0.0.10',
      hostIPs: [{ ip: '10.0.0.10' }],
      startTime: t,
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady', message: 'containers with unready status' },
        { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t, reason: 'ContainersNotReady' },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
      ],
      containerStatuses: containerStatuses(pod, false, false),
    };
    store.update(PODS, pod);
    timers.after(opts.readyDelayMs, () => start(ns, name, uid));
  };

  return store.subscribe((ev) => {
    if (ev.def !== PODS || ev.type !== 'ADDED') return;
    const m = ev.object.metadata;
    timers.after(0, () => schedule(m.namespace ?? '', m.name ?? '', m.uid));
  });
}
