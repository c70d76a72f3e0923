/**
 * @module kube-sim/defaults
 * Defaulting and create-time preparation per kind, mirroring the fields a real apiserver fills in
 * (SetDefaults_* plus registry PrepareForCreate): namespaces get their name label and Active phase, pods start
 * Pending, services get a ClusterIP, PVCs bind immediately (no provisioner to wait for), secrets fold
 * stringData into data, workloads get replicas/strategy defaults and an empty status.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceDef } from './resources.js';
import type { Container, KubeObject } from './types.js';

type Obj = Record<string, unknown>;

function obj(parent: Obj, key: string): Obj {
  const cur = parent[key];
  if (cur && typeof cur === 'object' && !Array.isArray(cur)) return cur as Obj;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function dflt(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

let nextServiceIP = 10;

function defaultContainers(containers: unknown): void {
  if (!Array.isArray(containers)) return;
  for (const c of containers as Container[]) {
    const image = String(c.image ?? '');
    dflt(c, 'imagePullPolicy', image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent');
    dflt(c, 'terminationMessagePath', '/dev/termination-log');
    dflt(c, 'terminationMessagePolicy', 'File');
    dflt(c, 'resources', {});
  }
}

export function defaultPodSpec(spec: Obj): void {
  dflt(spec, 'restartPolicy', 'Always');
  dflt(spec, 'terminationGracePeriodSeconds', 30);
  dflt(spec, 'dnsPolicy', 'ClusterFirst');
  dflt(spec, 'schedulerName', 'default-scheduler');
  dflt(spec, 'securityContext', {});
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

function defaultWorkload(o: Obj, kind: string): void {
  const spec = obj(o, 'spec');
  dflt(spec, 'replicas', 1);
  dflt(spec, 'revisionHistoryLimit', 10);
  if (kind === 'StatefulSet') {
    dflt(spec, 'podManagementPolicy', 'OrderedReady');
    dflt(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    dflt(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  } else {
    dflt(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    dflt(spec, 'progressDeadlineSeconds', 600);
  }
  defaultPodSpec(obj(obj(spec, 'template'), 'spec'));
}

/** Applies defaults in place; `creating` also resets status the way PrepareForCreate does. */
export function applyDefaults(def: ResourceDef, o: KubeObject, creating: boolean): void {
  const m = o.metadata;
  switch (def.kind) {
    case 'Namespace': {
      m.labels = { ...(m.labels ?? {}), 'kubernetes.io/metadata.name': m.name ?? '' };
      dflt(obj(o, 'spec'), 'finalizers', ['kubernetes']);
      if (creating) o.status = { phase: 'Active' };
      break;
    }
    case 'Pod': {
      const spec = obj(o, 'spec');
      defaultPodSpec(spec);
      dflt(spec, 'enableServiceLinks', true);
      if (creating) o.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    }
    case 'Service': {
      const spec = obj(o, 'spec');
      dflt(spec, 'type', 'ClusterIP');
      dflt(spec, 'sessionAffinity', 'None');
      if (spec.clusterIP === undefined && creating) {
        spec.clusterIP = `10.96.${Math.floor(nextServiceIP / 250)}.${(nextServiceIP % 250) + 1}`;
        nextServiceIP++;
      }
      if (spec.clusterIP !== undefined) dflt(spec, 'clusterIPs', [spec.clusterIP]);
      dflt(spec, 'ipFamilies', ['IPv4']);
      dflt(spec, 'ipFamilyPolicy', 'SingleStack');
      dflt(spec, 'internalTrafficPolicy', 'Cluster');
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports as Obj[]) {
          dflt(p, 'protocol', 'TCP');
          dflt(p, 'targetPort', p.port);
        }
      }
      if (creating) o.status = { loadBalancer: {} };
      break;
    }
    case 'Secret': {
      dflt(o as Obj, 'type', 'Opaque');
      const stringData = (o as Obj).stringData as Record<string, string> | undefined;
      if (stringData) {
        const data = obj(o as Obj, 'data');
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
        delete (o as Obj).stringData;
      }
      break;
    }
    case 'PersistentVolumeClaim': {
      const spec = obj(o, 'spec');
      dflt(spec, 'volumeMode', 'Filesystem');
      dflt(spec, 'storageClassName', 'standard');
      if (creating) {
        spec.volumeName ??= `pvc-${randomUUID()}`;
        const storage = (spec.resources as { requests?: { storage?: string } } | undefined)?.requests?.storage ?? '1Gi';
        o.status = { phase: 'Bound', accessModes: spec.accessModes ?? ['ReadWriteOnce'], capacity: { storage } };
      }
      break;
    }
    case 'StatefulSet':
    case 'Deployment': {
      defaultWorkload(o, def.kind);
      if (creating) o.status = { replicas: 0, availableReplicas: 0 };
      break;
    }
  }
}

/** Resources whose metadata.generation tracks spec changes. */
export function tracksGeneration(def: ResourceDef): boolean {
  return def.group === 'apps' || def.group === 'autoscaling' || def.kind === 'Pod';
}
