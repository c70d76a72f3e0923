/**
 * @module kube-sim/types
 * Loose TypeScript shapes of the Kubernetes objects the simulator stores. Objects are kept as plain JSON
 * (exactly what goes over the wire), so these types only name the fields the simulator itself reads or writes.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; [k: string]: unknown }>;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  readinessProbe?: Record<string, unknown>;
  workingDir?: string;
  securityContext?: { runAsUser?: number; runAsGroup?: number; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: Record<string, unknown>;
  configMap?: { name: string; defaultMode?: number; [k: string]: unknown };
  secret?: { secretName: string; defaultMode?: number; [k: string]: unknown };
  [k: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  nodeName?: string;
  hostname?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  [k: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    podIP?: string;
    hostIP?: string;
    startTime?: string;
    containerStatuses?: Array<Record<string, unknown>>;
    initContainerStatuses?: Array<Record<string, unknown>>;
    [k: string]: unknown;
  };
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    serviceName?: string;
    template: PodTemplate;
    volumeClaimTemplates?: Array<{ metadata: ObjectMeta; spec: Record<string, unknown> }>;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
    [k: string]: unknown;
  };
  status?: Record<string, unknown>;
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: PodTemplate;
    [k: string]: unknown;
  };
  status?: Record<string, unknown>;
}

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

export interface Service extends KubeObject {
  spec: { type?: string; clusterIP?: string; ports?: Array<Record<string, unknown>>; selector?: Record<string, string>; [k: string]: unknown };
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: {
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    storageClassName?: string;
    volumeName?: string;
    volumeMode?: string;
    [k: string]: unknown;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string> };
}
