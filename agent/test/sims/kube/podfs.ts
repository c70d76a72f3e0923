/**
 * @module kube-sim/podfs
 * The host directories behind pod volumes and container layers. A PVC is one directory shared by every pod
 * that mounts the claim (kept until the claim is deleted); an emptyDir lives in the pod's directory (shared by
 * its containers, gone with the pod); configMap and secret volumes are materialised as files with the volume's
 * defaultMode; every container has its own writable layer. The pod directory is keyed by the pod's uid, so a
 * StatefulSet pod recreated under the same name never shares (or deletes) its predecessor's files.
 *
 * These directories are only ever seen by pods through their sandboxes (see runtime.ts): a container's
 * commands see container paths, never these host paths.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { findResource } from './resources.js';
import type { ObjectStore } from './store.js';
import type { ConfigMap, Pod, Secret, Volume } from './types.js';

const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

export interface Mount {
  /** Path inside the container. */
  path: string;
  /** Host directory (or file, for a subPath into a file) standing in for it. */
  hostPath: string;
  readOnly: boolean;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

export class PodFilesystems {
  private readonly unsubscribe: () => void;

  constructor(readonly root: string, private readonly store: ObjectStore) {
    this.unsubscribe = store.subscribe((ev) => {
      if (ev.type !== 'DELETED' || ev.def !== PVCS) return;
      const { namespace, name } = ev.object.metadata;
      rmSync(this.pvcDir(namespace ?? '', name ?? '', false), { recursive: true, force: true });
    });
  }

  /** The pod's own directory (its containers' layers and emptyDirs). */
  podDir(pod: Pod, create = true): string {
    const m = pod.metadata;
    const dir = join(this.root, 'pods', safe(m.namespace ?? 'default'), `${safe(m.name ?? '')}-${safe((m.uid ?? '').slice(0, 8))}`);
    if (create) mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A container's private directory: its root filesystem layer and overlay work directories. */
  containerDir(pod: Pod, container: string): string {
    const dir = join(this.podDir(pod), 'containers', safe(container));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  pvcDir(ns: string, claim: string, create = true): string {
    const dir = join(this.root, 'pvcs', safe(ns), safe(claim));
    if (create) mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The container's volume mounts as host paths. */
  mounts(pod: Pod, containerName: string): Mount[] {
    const ns = pod.metadata.namespace ?? 'default';
    const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === containerName);
    const out: Mount[] = [];
    for (const vm of container?.volumeMounts ?? []) {
      const vol = (pod.spec.volumes ?? []).find((v) => v.name === vm.name);
      if (!vol) throw new Error(`volume "${vm.name}" not found in pod spec`);
      const base = this.volumeDir(pod, ns, vol);
      const hostPath = vm.subPath ? join(base, posix.normalize(vm.subPath).replace(/^(\.\.\/)+/, '')) : base;
      if (vm.subPath && !vol.configMap && !vol.secret) mkdirSync(hostPath, { recursive: true });
      out.push({ path: posix.normalize(vm.mountPath), hostPath, readOnly: Boolean(vm.readOnly || vol.persistentVolumeClaim?.readOnly || vol.configMap || vol.secret) });
    }
    return out;
  }

  private volumeDir(pod: Pod, ns: string, vol: Volume): string {
    if (vol.persistentVolumeClaim) return this.pvcDir(ns, vol.persistentVolumeClaim.claimName);
    const dir = join(this.podDir(pod), 'volumes', safe(vol.name));
    mkdirSync(dir, { recursive: true });
    if (vol.configMap) this.materialise(dir, this.store.get(CONFIGMAPS, ns, vol.configMap.name) as ConfigMap | undefined, false, vol.configMap.defaultMode);
    if (vol.secret) this.materialise(dir, this.store.get(SECRETS, ns, vol.secret.secretName) as Secret | undefined, true, vol.secret.defaultMode);
    return dir;
  }

  private materialise(dir: string, src: ConfigMap | Secret | undefined, base64: boolean, mode: unknown): void {
    for (const [k, v] of Object.entries(src?.data ?? {})) {
      const file = join(dir, safe(k));
      writeFileSync(file, base64 ? Buffer.from(v, 'base64') : v);
      chmodSync(file, typeof mode === 'number' ? mode : 0o644);
    }
  }

  removePod(pod: Pod): void {
    rmSync(this.podDir(pod, false), { recursive: true, force: true });
  }

  close(): void {
    this.unsubscribe();
  }
}
