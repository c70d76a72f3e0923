/**
 * @module kube-sim/authz
 * SelfSubjectAccessReview and SelfSubjectRulesReview (authorization.k8s.io/v1). The simulated user is
 * cluster-admin-like: every request is allowed unless a deny rule matches, and requests scoped to a namespace
 * that does not exist are reported as not allowed (what the connectivity check wants to detect).
 */
import type { Registry } from './registry.js';
import { findResource } from './resources.js';
import { errors } from './status.js';

export interface DenyRule {
  namespace?: string;
  verb?: string;
  /** Resource plural, e.g. "pods" or "statefulsets". */
  resource?: string;
  group?: string;
  subresource?: string;
}

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const ALLOW_REASON = 'RBAC: allowed by ClusterRoleBinding "sim-admin" of ClusterRole "cluster-admin" to User "sim-user"';

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function matches(rule: DenyRule, a: ResourceAttributes): boolean {
  const eq = (r: string | undefined, v: string | undefined) => r === undefined || r === '*' || r === (v ?? '');
  return eq(rule.namespace, a.namespace) && eq(rule.verb, a.verb) && eq(rule.resource, a.resource) && eq(rule.group, a.group) && eq(rule.subresource, a.subresource);
}

export function selfSubjectAccessReview(body: unknown, registry: Registry, deny: DenyRule[]): object {
  const spec = isObj(body) && isObj(body.spec) ? body.spec : {};
  const ra = isObj(spec.resourceAttributes) ? (spec.resourceAttributes as ResourceAttributes) : undefined;
  const nra = isObj(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if ((ra === undefined) === (nra === undefined)) {
    throw errors.invalid('SelfSubjectAccessReview', '', [{
      reason: 'FieldValueInvalid', field: 'spec.resourceAttributes',
      message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    }], 'authorization.k8s.io');
  }
  let status: Record<string, unknown> = { allowed: true, reason: ALLOW_REASON };
  if (ra) {
    const nsMissing = ra.namespace !== undefined && ra.namespace !== '' && !registry.store.get(NAMESPACES, undefined, ra.namespace);
    if (nsMissing) status = { allowed: false, reason: `namespace "${ra.namespace}" does not exist` };
    else if (deny.some((r) => matches(r, ra))) status = { allowed: false, denied: true, reason: 'denied by simulator policy' };
  }
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}

export function selfSubjectRulesReview(body: unknown): object {
  const spec = isObj(body) && isObj(body.spec) ? body.spec : {};
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: {
      resourceRules: [
        { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      ],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    },
  };
}
