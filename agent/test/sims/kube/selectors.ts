/**
 * @module kube-sim/selectors
 * Label and field selector parsing with the real server's grammar and error wording
 * (k8s.io/apimachinery/pkg/labels and pkg/fields). Unsupported field labels are rejected with 400 as the
 * real apiserver does, which makes typos visible in tests.
 */
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';
import { errors } from './status.js';

type LabelReq =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function parseLabelSelector(raw: string): (labels: Record<string, string> | undefined) => boolean {
  const reqs: LabelReq[] = [];
  for (const part of splitTop(raw)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      reqs.push({ op: m[2] as 'in' | 'notin', key: m[1]!, values: m[3]!.split(',').map((v) => v.trim()) });
    } else if ((m = part.match(/^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! });
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ op: 'notexists', key: m[1]! });
    } else if (/^\S+$/.test(part)) {
      reqs.push({ op: 'exists', key: part });
    } else {
      throw errors.badRequest(`unable to parse requirement: found '${part}', expected: ',', '!=', '==', '=', 'in', 'notin'`);
    }
  }
  for (const r of reqs) {
    if (!KEY.test(r.key)) {
      throw errors.badRequest(`unable to parse requirement: values[0][${r.key}]: Invalid value: "${r.key}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
    }
  }
  return (labels) => {
    const l = labels ?? {};
    return reqs.every((r) => {
      const has = Object.hasOwn(l, r.key);
      switch (r.op) {
        case 'eq': return has && l[r.key] === r.value;
        case 'neq': return !has || l[r.key] !== r.value;
        case 'in': return has && r.values.includes(l[r.key]!);
        case 'notin': return !has || !r.values.includes(l[r.key]!);
        case 'exists': return has;
        case 'notexists': return !has;
      }
    });
  };
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function parseFieldSelector(raw: string, def: ResourceDef): (obj: KubeObject) => boolean {
  const allowed = new Set(['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...(def.fieldLabels ?? [])]);
  const reqs: Array<{ key: string; neg: boolean; value: string }> = [];
  for (const part of splitTop(raw)) {
    const m = part.match(/^([^!=]+)(==|=|!=)(.*)$/);
    if (!m) throw errors.badRequest(`invalid selector: '${raw}'; can't understand '${part}'`);
    const key = m[1]!.trim();
    if (!allowed.has(key)) throw errors.badRequest(`field label not supported: ${key}`);
    reqs.push({ key, neg: m[2] === '!=', value: m[3]!.trim() });
  }
  return (obj) => reqs.every((r) => (fieldValue(obj, r.key) === r.value) !== r.neg);
}
