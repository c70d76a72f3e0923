/**
 * @module kube-sim/resources
 * The resource registry: which groups, versions and resources the simulated API server serves, with the
 * discovery metadata (verbs, short names, categories, subresources) that kubectl's RESTMapper relies on.
 * Values follow `kubectl api-resources` / `GET /api/v1` of a 1.3x cluster.
 */

export interface SubresourceDef {
  name: string;
  kind: string;
  verbs: string[];
  /** Set when the subresource is served in another group/version (statefulsets/scale → autoscaling/v1 Scale). */
  group?: string;
  version?: string;
}

export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources: SubresourceDef[];
  /** Field selector labels the real server accepts besides metadata.name / metadata.namespace. */
  fieldLabels?: string[];
  /** Has a /status subresource: the main resource ignores status writes and vice versa. */
  hasStatus: boolean;
  /** Store backs it (false for virtual, create-only resources such as selfsubjectaccessreviews). */
  stored: boolean;
  /** DELETE answers with the object instead of a Success Status (registry ReturnDeletedObject). */
  returnDeletedObject?: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

function def(d: Omit<ResourceDef, 'verbs' | 'subresources' | 'hasStatus' | 'stored'> & Partial<ResourceDef>): ResourceDef {
  const subresources = d.subresources ?? [];
  return {
    verbs: CRUD,
    stored: true,
    ...d,
    subresources,
    hasStatus: subresources.some((s) => s.name === 'status'),
  };
}

const status = (kind: string): SubresourceDef => ({ name: 'status', kind, verbs: STATUS_VERBS });
const scale: SubresourceDef = { name: 'scale', kind: 'Scale', verbs: STATUS_VERBS, group: 'autoscaling', version: 'v1' };

export const RESOURCES: ResourceDef[] = [
  def({
    group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'],
    subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
    fieldLabels: ['status.phase'], returnDeletedObject: true,
  }),
  def({
    group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'],
    categories: ['all'], returnDeletedObject: true,
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      status('Pod'),
    ],
    fieldLabels: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName',
      'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  }),
  def({
    group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service', namespaced: true,
    shortNames: ['svc'], categories: ['all'], returnDeletedObject: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [status('Service')],
  }),
  def({ group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  def({ group: '', version: 'v1', plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, fieldLabels: ['type'] }),
  def({ group: '', version: 'v1', plural: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] }),
  def({
    group: '', version: 'v1', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: [status('PersistentVolumeClaim')],
  }),
  def({
    group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'],
    fieldLabels: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
      'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason',
      'reportingComponent', 'source', 'type'],
  }),
  def({
    group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'],
    subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, status('Node')],
    fieldLabels: ['spec.unschedulable'],
  }),
  def({
    group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true,
    shortNames: ['sts'], categories: ['all'], subresources: [scale, status('StatefulSet')],
  }),
  def({
    group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true,
    shortNames: ['deploy'], categories: ['all'], subresources: [scale, status('Deployment')],
  }),
  def({
    group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
    kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'],
    subresources: [status('HorizontalPodAutoscaler')],
  }),
  def({
    group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'], stored: false,
  }),
  def({
    group: 'authorization.k8s.io', version: 'v1', plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview',
    kind: 'SelfSubjectRulesReview', namespaced: false, verbs: ['create'], stored: false,
  }),
];

/** Groups in the order /apis lists them (the core group is served under /api). */
export const GROUPS: Array<{ name: string; versions: string[] }> = [
  { name: 'apps', versions: ['v1'] },
  { name: 'autoscaling', versions: ['v1'] },
  { name: 'authorization.k8s.io', versions: ['v1'] },
];

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findByKind(group: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.kind === kind);
}

export function resourcesIn(group: string, version: string): ResourceDef[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}
