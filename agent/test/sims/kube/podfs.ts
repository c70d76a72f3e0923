/**
 * @module kube-sim/podfs
 * Pod filesystems as host directories. Every pod gets a private root (wiped when the pod is deleted, like a
 * container's writable layer); a PVC is one directory shared by every pod that mounts the claim (kept until the
 * claim is deleted); emptyDir volumes live inside the pod root; configMap and secret volumes are materialised as
 * files. `/tmp` is private per pod. Exec'd commands see container paths rewritten to these host directories.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { findResource } from './resources.js';
import type { ObjectStore } from './store.js';
import type { ConfigMap, Pod, Secret } from './types.js';

const PODS = findResource('', 'v1', 'pods')!;
const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

export interface Mount {
  /** Path inside the container. */
  path: string;
  /** Host directory standing in for it. */
  hostPath: string;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

export class PodFilesystems {
  private readonly unsubscribe: () => void;

  constructor(readonly root: string, private readonly store: ObjectStore) {
    this.unsubscribe = store.subscribe((ev) => {
      if (ev.type !== 'DELETED') return;
      const { namespace, name } = ev.object.metadata;
      if (ev.def === PODS) rmSync(this.podRoot(namespace ?? '', name ?? '', false), { recursive: true, force: true });
      if (ev.def === PVCS) rmSync(this.pvcDir(namespace ?? '', name ?? '', false), { recursive: true, force: true });
    });
  }

  podRoot(ns: string, pod: string, create = true): string {
    const dir = join(this.root, 'pods', safe(ns), safe(pod));
    if (create) mkdirSync(dir, { recursive: true });
    return dir;
  }

  pvcDir(ns: string, claim: string, create = true): string {
    const dir = join(this.root, 'pvcs', safe(ns), safe(claim));
    if (create) mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The container's mounts, longest container path first (so nested mounts win). */
  mounts(pod: Pod, containerName: string): Mount[] {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const root = this.podRoot(ns, name);
    const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === containerName);
    const out: Mount[] = [{ path: '/tmp', hostPath: join(root, 'tmp') }];
    for (const vm of container?.volumeMounts ?? []) {
      const vol = (pod.spec.volumes ?? []).find((v) => v.name === vm.name);
      let base: string;
      if (vol?.persistentVolumeClaim) base = this.pvcDir(ns, vol.persistentVolumeClaim.claimName);
      else if (vol?.configMap) base = this.materialise(root, vol.name, this.store.get(CONFIGMAPS, ns, vol.configMap.name) as ConfigMap | undefined, false);
      else if (vol?.secret) base = this.materialise(root, vol.name, this.store.get(SECRETS, ns, vol.secret.secretName) as Secret | undefined, true);
      else base = join(root, '.volumes', safe(vm.name));
      const hostPath = vm.subPath ? join(base, vm.subPath) : base;
      out.push({ path: posix.normalize(vm.mountPath).replace(/\/$/, '') || '/', hostPath });
    }
    for (const m of out) mkdirSync(m.hostPath, { recursive: true });
    return out.sort((a, b) => b.path.length - a.path.length);
  }

  private materialise(root: string, volume: string, src: ConfigMap | Secret | undefined, base64: boolean): string {
    const dir = join(root, '.volumes', safe(volume));
    mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(src?.data ?? {})) writeFileSync(join(dir, safe(k)), base64 ? Buffer.from(v, 'base64') : v);
    return dir;
  }

  /** Host path for a container path (mount-aware; other paths resolve inside the pod root). */
  resolve(pod: Pod, containerName: string, path: string): string {
    const p = posix.normalize(path);
    for (const m of this.mounts(pod, containerName)) {
      if (p === m.path || p.startsWith(`${m.path}/`)) return join(m.hostPath, p.slice(m.path.length));
    }
    return join(this.podRoot(pod.metadata.namespace ?? 'default', pod.metadata.name ?? ''), p);
  }

  close(): void {
    this.unsubscribe();
  }
}

/** Rewrites container mount paths inside argument strings to host paths, in one pass (no double rewriting). */
export function rewriteArgs(args: string[], mounts: Mount[]): string[] {
  if (mounts.length === 0) return args;
  const escaped = mounts.map((m) => m.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(^|[\\s=:'"(])(${escaped.join('|')})(?=/|$|[\\s'";:)])`, 'g');
  return args.map((a) => a.replace(re, (_all, pre: string, path: string) => `${pre}${mounts.find((m) => m.path === path)!.hostPath}`));
}
