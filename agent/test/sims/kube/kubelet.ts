/**
 * @module kube-sim/kubelet
 * Simulated scheduler + kubelet: new pods are bound to the single node right away (ContainerCreating); after a
 * configurable delay their sandboxes start (runtime.ts), init containers run one at a time to completion
 * (Init:N/M; a failing one is retried with back-off as Init:Error / Init:CrashLoopBackOff), then the containers
 * start and the pod is Running. Ready comes from the containers' readiness probes (httpGet, tcpSocket, exec —
 * run inside the pod every probeIntervalMs; the probe's own timing fields are not simulated) or, without a
 * probe, from the container having started, as on a real node. A main process that exits is restarted with
 * back-off (restartPolicy Always/OnFailure) or ends the pod (Succeeded/Failed). A pod marked for deletion gets
 * SIGTERM; once removed, everything it ran is killed and its directories go (PVCs stay).
 * Status changes run on timers or after awaits, never inside a store event, so watchers always see ADDED first.
 */
import { spawn } from 'node:child_process';
import { findResource } from './resources.js';
import { nowTimestamp, type ObjectStore } from './store.js';
import type { Timers } from './timers.js';
import type { Container, Pod } from './types.js';
import { NODE_NAME } from './seed.js';
import { inNetworkOf } from '../../support/sandbox.js';
import type { PodRuntime } from './runtime.js';

const PODS = findResource('', 'v1', 'pods')!;

export interface KubeletOptions {
  readyDelayMs: number;
  /** Return false to keep a pod Running but not Ready (overrides what probes say). */
  podReady?: (pod: Pod) => boolean;
  probeIntervalMs: number;
}

interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

/** node one-liner run in the pod's network namespace: exit 0 when the HTTP/TCP check passes. */
const PROBE_JS = String.raw`
const [kind, port, path] = process.argv.slice(1);
const fail = () => process.exit(1);
if (kind === 'tcp') { const s = require('net').connect(+port, '127.0.0.1', () => process.exit(0)); s.on('error', fail); s.setTimeout(1000, fail); }
else { const r = require('http').get({ host: '127.0.0.1', port: +port, path, timeout: 1000 }, (res) => process.exit(res.statusCode >= 200 && res.statusCode < 400 ? 0 : 1)); r.on('error', fail); r.on('timeout', fail); }
`;

const t = () => nowTimestamp();
const cond = (type: string, ok: boolean, reason?: string) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t(), ...(reason && !ok ? { reason } : {}) } as const);

export function startKubelet(store: ObjectStore, timers: Timers, runtime: PodRuntime, opts: KubeletOptions): () => void {
  let nextIP = 10;
  let closed = false;
  const current = (ns: string, name: string, uid: string | undefined): Pod | undefined => {
    const p = store.get(PODS, ns, name) as Pod | undefined;
    return p && p.metadata.uid === uid && !p.metadata.deletionTimestamp ? p : undefined;
  };
  const sleep = (ms: number) => new Promise<void>((r) => timers.after(ms, r));

  /** Per-pod state the kubelet keeps between status writes. */
  class PodWorker {
    readonly ready = new Map<string, boolean>();
    readonly restarts = new Map<string, number>();
    readonly state = new Map<string, Record<string, unknown>>();
    readonly lastState = new Map<string, Record<string, unknown>>();
    initDone = false;
    podIP?: string;
    constructor(readonly ns: string, readonly name: string, readonly uid: string | undefined) {}

    pod(): Pod | undefined {
      return current(this.ns, this.name, this.uid);
    }

    status(c: Container): Record<string, unknown> {
      const running = Boolean(this.state.get(c.name)?.running);
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: running ? `${c.image ?? ''}@sha256:${'0'.repeat(64)}` : '',
        ...(running ? { containerID: `containerd://${'1'.repeat(64)}` } : {}),
        ready: running && (this.ready.get(c.name) ?? false),
        started: running,
        restartCount: this.restarts.get(c.name) ?? 0,
        state: this.state.get(c.name) ?? { waiting: { reason: 'PodInitializing' } },
        lastState: this.lastState.get(c.name) ?? {},
      };
    }

    write(phase?: string): void {
      const pod = this.pod();
      if (!pod) return;
      const containers = pod.spec.containers;
      const inits = pod.spec.initContainers ?? [];
      const allReady = this.initDone && containers.every((c) => this.status(c).ready) && (opts.podReady ? opts.podReady(pod) : true);
      const running = this.initDone && containers.some((c) => this.state.get(c.name)?.running);
      pod.status = {
        ...pod.status,
        phase: phase ?? (running || this.initDone ? 'Running' : 'Pending'),
        ...(this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {}),
        conditions: [cond('PodReadyToStartContainers', true), cond('Initialized', this.initDone, 'ContainersNotInitialized'), cond('Ready', allReady, 'ContainersNotReady'), cond('ContainersReady', allReady, 'ContainersNotReady'), cond('PodScheduled', true)],
        containerStatuses: containers.map((c) => this.status(c)),
        ...(inits.length ? { initContainerStatuses: inits.map((c) => this.status(c)) } : {}),
      };
      store.update(PODS, pod);
    }
  }

  const backoff = (n: number) => Math.min(200 * 2 ** n, 5000);

  async function runInit(w: PodWorker, pod: Pod, c: Container): Promise<boolean> {
    for (let attempt = 0; !closed; attempt++) {
      let resolveExit!: (code: number) => void;
      const exited = new Promise<number>((r) => (resolveExit = r));
      const rc = await runtime.startContainer(pod, c, (code) => resolveExit(code));
      if (!rc || !w.pod()) return false;
      if (!rc.process) {
        await runtime.stopContainer(pod, c.name);
        w.state.set(c.name, { terminated: { exitCode: 0, reason: 'Completed', startedAt: t(), finishedAt: t() } });
        return true;
      }
      w.state.set(c.name, { running: { startedAt: t() } });
      w.write();
      const code = await exited;
      await runtime.stopContainer(pod, c.name);
      if (!w.pod()) return false;
      const terminated = { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: t(), finishedAt: t() };
      if (code === 0) {
        w.state.set(c.name, { terminated });
        return true;
      }
      w.lastState.set(c.name, { terminated });
      w.restarts.set(c.name, attempt + 1);
      w.state.set(c.name, { waiting: { reason: attempt === 0 ? 'Error' : 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` } });
      w.write();
      if (pod.spec.restartPolicy === 'Never') {
        w.write('Failed');
        return false;
      }
      await sleep(backoff(attempt));
    }
    return false;
  }

  async function probe(pod: Pod, c: Container): Promise<boolean> {
    const p = c.readinessProbe as Probe | undefined;
    if (!p) return true;
    const portOf = (port: number | string) => (typeof port === 'number' ? port : ((c.ports as Array<{ name?: string; containerPort: number }> | undefined) ?? []).find((x) => x.name === port)?.containerPort ?? Number(port));
    let argv: string[];
    if (p.exec) {
      const rc = runtime.container(pod, c.name);
      if (!rc) return false;
      const child = runtime.spawnIn(rc, p.exec.command, ['ignore', 'ignore', 'ignore', 'ignore']);
      return new Promise((r) => child.on('close', (code) => r(code === 0)));
    }
    const netPid = runtime.networkPid(pod);
    if (!netPid) return false;
    if (p.httpGet) argv = [...inNetworkOf(netPid), process.execPath, '-e', PROBE_JS, 'http', String(portOf(p.httpGet.port)), p.httpGet.path ?? '/'];
    else if (p.tcpSocket) argv = [...inNetworkOf(netPid), process.execPath, '-e', PROBE_JS, 'tcp', String(portOf(p.tcpSocket.port))];
    else return true;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    return new Promise((r) => {
      child.on('error', () => r(false));
      child.on('close', (code) => r(code === 0));
    });
  }

  async function probeLoop(w: PodWorker, pod: Pod, c: Container): Promise<void> {
    while (!closed && w.pod() && w.state.get(c.name)?.running) {
      const ok = await probe(pod, c);
      if (!w.pod() || !w.state.get(c.name)?.running) return;
      if (ok !== w.ready.get(c.name)) {
        w.ready.set(c.name, ok);
        w.write();
      }
      await sleep(ok ? opts.probeIntervalMs * 4 : opts.probeIntervalMs);
    }
  }

  async function runMain(w: PodWorker, pod: Pod, c: Container, attempt = 0): Promise<void> {
    const rc = await runtime.startContainer(pod, c, (code) => void exited(code));
    if (!rc || !w.pod()) return;
    w.state.set(c.name, { running: { startedAt: t() } });
    w.ready.set(c.name, !c.readinessProbe);
    w.write();
    if (c.readinessProbe) void probeLoop(w, pod, c);

    async function exited(code: number): Promise<void> {
      if (!w.pod()) return;
      const terminated = { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: t(), finishedAt: t() };
      const policy = pod.spec.restartPolicy ?? 'Always';
      w.ready.set(c.name, false);
      if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) {
        w.state.set(c.name, { terminated });
        const done = pod.spec.containers.every((x) => w.state.get(x.name)?.terminated);
        w.write(done ? (pod.spec.containers.every((x) => (w.state.get(x.name)?.terminated as { exitCode: number }).exitCode === 0) ? 'Succeeded' : 'Failed') : undefined);
        return;
      }
      w.lastState.set(c.name, { terminated });
      w.restarts.set(c.name, attempt + 1);
      w.state.set(c.name, { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` } });
      w.write();
      await sleep(backoff(attempt));
      if (!w.pod()) return;
      await runMain(w, pod, c, attempt + 1).catch((err: Error) => {
        w.state.set(c.name, { waiting: { reason: 'CreateContainerError', message: err.message } });
        w.write();
      });
    }
  }

  async function start(ns: string, name: string, uid: string | undefined): Promise<void> {
    const pod = current(ns, name, uid);
    if (!pod || closed) return;
    const w = new PodWorker(ns, name, uid);
    try {
      await runtime.startPod(pod);
      w.podIP = `10.244.0.${(nextIP++ % 250) + 2}`;
      for (const c of pod.spec.initContainers ?? []) if (!(await runInit(w, pod, c))) return;
      w.initDone = true;
      if (!w.pod()) return;
      await Promise.all(pod.spec.containers.map((c) => runMain(w, pod, c)));
    } catch (err) {
      if (closed || !w.pod()) return;
      // An image resolver throws with reason ErrImagePull for an image that does not exist.
      const reason = (err as { reason?: string }).reason ?? 'CreateContainerError';
      for (const c of pod.spec.containers) w.state.set(c.name, { waiting: { reason, message: (err as Error).message } });
      w.write();
    }
  }

  const schedule = (ns: string, name: string, uid: string | undefined) => {
    const pod = current(ns, name, uid);
    if (!pod || pod.status?.phase !== 'Pending' || pod.spec.nodeName) return;
    const now = t();
    pod.spec.nodeName = NODE_NAME;
    const init = pod.spec.initContainers ?? [];
    pod.status = {
      ...pod.status,
      hostIP: '10.0.0.10',
      hostIPs: [{ ip: '10.0.0.10' }],
      startTime: now,
      conditions: [
        { type: 'Initialized', status: init.length ? 'False' : 'True', lastProbeTime: null, lastTransitionTime: now, ...(init.length ? { reason: 'ContainersNotInitialized' } : {}) },
        { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: 'containers with unready status' },
        { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady' },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
      ],
      containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: init.length ? 'PodInitializing' : 'ContainerCreating' } }, lastState: {} })),
      ...(init.length ? { initContainerStatuses: init.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } }, lastState: {} })) } : {}),
    };
    store.update(PODS, pod);
    timers.after(opts.readyDelayMs, () => void start(ns, name, uid));
  };

  const unsubscribe = store.subscribe((ev) => {
    if (ev.def !== PODS) return;
    const pod = ev.object as Pod;
    const m = pod.metadata;
    if (ev.type === 'ADDED') timers.after(0, () => schedule(m.namespace ?? '', m.name ?? '', m.uid));
    else if (ev.type === 'MODIFIED' && m.deletionTimestamp) runtime.terminate(pod);
    else if (ev.type === 'DELETED') void runtime.stopPod(pod);
  });
  return () => {
    closed = true;
    unsubscribe();
  };
}
