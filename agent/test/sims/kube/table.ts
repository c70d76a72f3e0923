/**
 * @module kube-sim/table
 * Server-side printing: meta.k8s.io/v1 Table responses with the default columns of the apiserver's built-in
 * printers (pkg/printers/internalversion) for the kinds served here, including `priority: 1` columns that
 * `-o wide` shows, and human ages computed like apimachinery's duration.HumanDuration.
 */
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';

type Cell = string | number;
interface Column { name: string; type: string; format?: string; priority?: number; description: string }

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

// Printers read deep optional fields of arbitrary objects; `any` keeps them as terse as the Go printers.
type R = Record<string, any>;

function age(o: R): string {
  const ts = o.metadata.creationTimestamp;
  return ts ? humanDuration(Date.now() - Date.parse(ts)) : '<unknown>';
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };
const col = (name: string, type = 'string', priority = 0): Column => ({ name, type, description: name, ...(priority ? { priority } : {}) });


/** As kubectl's pod printer: init containers first (Init:N/M, Init:<reason>), then the containers' reasons. */
function podStatus(o: R): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const inits = (o.status?.initContainerStatuses ?? []) as R[];
  for (let i = 0; i < inits.length; i++) {
    const st = inits[i]?.state ?? {};
    if (st.terminated?.exitCode === 0) continue;
    if (st.terminated) return `Init:${st.terminated.reason ?? 'Error'}`;
    if (st.waiting?.reason && st.waiting.reason !== 'PodInitializing') return `Init:${st.waiting.reason}`;
    return `Init:${i}/${inits.length}`;
  }
  for (const cs of (o.status?.containerStatuses ?? []) as R[]) {
    const reason = cs.state?.waiting?.reason ?? cs.state?.terminated?.reason;
    if (reason) return String(reason);
  }
  return String(o.status?.reason ?? o.status?.phase ?? 'Unknown');
}

function containersOf(spec: R | undefined): R[] {
  return (spec?.containers ?? []) as R[];
}

function selectorString(sel: Record<string, string> | undefined): string {
  const entries = Object.entries(sel ?? {});
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

const ACCESS: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

const PRINTERS: Record<string, { columns: Column[]; cells: (o: R) => Cell[] }> = {
  Namespace: { columns: [NAME, col('Status'), AGE], cells: (o) => [o.metadata.name, o.status?.phase ?? '', age(o)] },
  Pod: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1),
      col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (o) => {
      const statuses = (o.status?.containerStatuses ?? []) as R[];
      const ready = statuses.filter((c) => c.ready).length;
      const restarts = statuses.reduce((n, c) => n + Number(c.restartCount ?? 0), 0);
      return [o.metadata.name, `${ready}/${containersOf(o.spec).length}`, podStatus(o), String(restarts), age(o),
        o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>', '<none>', '<none>'];
    },
  },
  Service: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells: (o) => [o.metadata.name, o.spec?.type ?? 'ClusterIP', o.spec?.clusterIP ?? '<none>', '<none>',
      ((o.spec?.ports ?? []) as R[]).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
      age(o), selectorString(o.spec?.selector)],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (o) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o)],
  },
  Secret: {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o)],
  },
  PersistentVolumeClaim: {
    columns: [NAME, col('Status'), col('Volume'), col('Capacity'), col('Access Modes'), col('StorageClass'),
      col('VolumeAttributesClass'), AGE, col('VolumeMode', 'string', 1)],
    cells: (o) => [o.metadata.name, o.status?.phase ?? 'Pending', o.spec?.volumeName ?? '', o.status?.capacity?.storage ?? '',
      ((o.status?.accessModes ?? []) as string[]).map((m) => ACCESS[m] ?? m).join(','), o.spec?.storageClassName ?? '',
      o.spec?.volumeAttributesClassName ?? '<unset>', age(o), o.spec?.volumeMode ?? 'Filesystem'],
  },
  StatefulSet: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, age(o),
      containersOf(o.spec?.template?.spec).map((c) => c.name).join(','), containersOf(o.spec?.template?.spec).map((c) => c.image).join(',')],
  },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, col('Containers', 'string', 1),
      col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, o.status?.updatedReplicas ?? 0,
      o.status?.availableReplicas ?? 0, age(o), containersOf(o.spec?.template?.spec).map((c) => c.name).join(','),
      containersOf(o.spec?.template?.spec).map((c) => c.image).join(','), selectorString(o.spec?.selector?.matchLabels)],
  },
  Node: {
    columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1)],
    cells: (o) => {
      const ready = ((o.status?.conditions ?? []) as R[]).find((c) => c.type === 'Ready');
      return [o.metadata.name, ready?.status === 'True' ? 'Ready' : 'NotReady', '<none>', age(o), o.status?.nodeInfo?.kubeletVersion ?? '',
        ((o.status?.addresses ?? []) as R[]).find((a) => a.type === 'InternalIP')?.address ?? '<none>'];
    },
  },
  Event: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    cells: (o) => [o.lastTimestamp ? humanDuration(Date.now() - Date.parse(o.lastTimestamp)) : age(o), o.type ?? '', o.reason ?? '',
      `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`, o.message ?? ''],
  },
  HorizontalPodAutoscaler: {
    columns: [NAME, col('Reference'), col('Targets'), col('MinPods', 'integer'), col('MaxPods', 'integer'), col('Replicas', 'integer'), AGE],
    cells: (o) => [o.metadata.name, `${o.spec?.scaleTargetRef?.kind}/${o.spec?.scaleTargetRef?.name}`, '<unknown>',
      o.spec?.minReplicas ?? 1, o.spec?.maxReplicas ?? 0, o.status?.currentReplicas ?? 0, age(o)],
  },
};

const DEFAULT = {
  columns: [NAME, { name: 'Created At', type: 'date', description: 'CreationTimestamp' } as Column],
  cells: (o: R): Cell[] => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject, def: ResourceDef): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return { ...o, kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(def: ResourceDef, objects: KubeObject[], rv: string | undefined, include: IncludeObject, withColumns = true): object {
  const printer = PRINTERS[def.kind] ?? DEFAULT;
  const rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: printer.cells(o as R) };
    const obj = rowObject(o, include, def);
    if (obj) row.object = obj;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: rv ? { resourceVersion: rv } : {},
    columnDefinitions: withColumns ? printer.columns.map((c) => ({ priority: 0, ...c, format: c.format ?? '' })) : [],
    rows,
  };
}
