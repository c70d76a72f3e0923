/**
 * @module kube-sim/validate
 * The subset of apiserver validation that clients commonly trip over: object names (RFC 1123 subdomain /
 * label, RFC 1035 label for services), required fields of pods and workloads, and selector/template agreement.
 * Failures are 422 Invalid Status bodies with per-field causes, worded like k8s.io/apimachinery validation.
 */
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';
import { errors } from './status.js';

type Cause = { reason: string; message: string; field: string };

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function nameCauses(def: ResourceDef, name: string): Cause[] {
  const invalid = (msg: string): Cause => ({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${msg}` });
  if (def.plural === 'namespaces') {
    if (name.length > 63) return [invalid('must be no more than 63 characters')];
    if (!LABEL.test(name)) {
      return [invalid(`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`)];
    }
    return [];
  }
  if (def.plural === 'services') {
    if (name.length > 63) return [invalid('must be no more than 63 characters')];
    if (!DNS1035.test(name)) {
      return [invalid(`a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`)];
    }
    return [];
  }
  if (name.length > 253) return [invalid('must be no more than 253 characters')];
  if (!SUBDOMAIN.test(name)) {
    return [invalid(`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`)];
  }
  return [];
}

function required(field: string): Cause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

function get(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function podSpecCauses(spec: unknown, prefix: string): Cause[] {
  const containers = get(spec, 'containers');
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${prefix}.containers`)];
  const causes: Cause[] = [];
  containers.forEach((c: unknown, i) => {
    if (typeof get(c, 'name') !== 'string' || get(c, 'name') === '') causes.push(required(`${prefix}.containers[${i}].name`));
    if (typeof get(c, 'image') !== 'string' || get(c, 'image') === '') causes.push(required(`${prefix}.containers[${i}].image`));
  });
  return causes;
}

function workloadCauses(obj: KubeObject): Cause[] {
  const causes: Cause[] = [];
  const matchLabels = get(obj, 'spec.selector.matchLabels') as Record<string, string> | undefined;
  if (get(obj, 'spec.selector') === undefined) causes.push(required('spec.selector'));
  const tplLabels = (get(obj, 'spec.template.metadata.labels') ?? {}) as Record<string, string>;
  if (matchLabels && !Object.entries(matchLabels).every(([k, v]) => tplLabels[k] === v)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: `Invalid value: ${JSON.stringify(tplLabels)}: \`selector\` does not match template \`labels\``,
    });
  }
  causes.push(...podSpecCauses(get(obj, 'spec.template.spec'), 'spec.template.spec'));
  const replicas = get(obj, 'spec.replicas');
  if (typeof replicas === 'number' && replicas < 0) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` });
  }
  return causes;
}

/** Throws 422 Invalid when the object would be rejected by the real apiserver's validation. */
export function validateObject(def: ResourceDef, obj: KubeObject): void {
  const name = obj.metadata.name ?? '';
  const causes: Cause[] = [];
  if (name === '') {
    causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  } else {
    causes.push(...nameCauses(def, name));
  }
  if (def.plural === 'pods') causes.push(...podSpecCauses(get(obj, 'spec'), 'spec'));
  if (def.plural === 'statefulsets' || def.plural === 'deployments') causes.push(...workloadCauses(obj));
  if (causes.length > 0) throw errors.invalid(def.kind, name, causes, def.group);
}
