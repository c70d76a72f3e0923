/**
 * @module kube-sim/patch
 * The four PATCH flavours the apiserver accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
 * strategic merge patch and server-side apply. Strategic merge knows the patch strategies of the core types
 * clients actually patch (containers/env/volumes/volumeMounts/ports/conditions/ownerReferences by merge key,
 * finalizers as a set) and the directives $patch, $retainKeys, $deleteFromPrimitiveList and $setElementOrder
 * (the latter is accepted and ignored: list order follows the original). Server-side apply is modelled as a
 * strategic merge of the applied configuration onto the live object — without managedFields ownership or
 * conflict detection.
 */
import { errors } from './status.js';
import type { Json, JsonObject } from './types.js';

function isObj(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: JsonObject = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw errors.badRequest(`invalid JSON pointer: ${String(path)}`);
  return path === '' ? [] : path.slice(1).split('/').map(unescapePointer);
}

function resolveParent(doc: Json, segs: string[]): { parent: Json; key: string } {
  let cur = doc;
  for (const s of segs.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(s)] as Json;
    else if (isObj(cur)) cur = cur[s] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw errors.unprocessable(`doc is missing path: "/${segs.join('/')}": missing value`);
  }
  return { parent: cur, key: segs[segs.length - 1] ?? '' };
}

function readAt(doc: Json, segs: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const s of segs) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isObj(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

function addAt(doc: Json, segs: string[], value: Json, replace: boolean): Json {
  if (segs.length === 0) return value;
  const { parent, key } = resolveParent(doc, segs);
  if (Array.isArray(parent)) {
    const idx = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length || (replace && idx >= parent.length)) {
      throw errors.unprocessable(`unable to access invalid index: ${key}`);
    }
    if (replace) parent[idx] = value;
    else parent.splice(idx, 0, value);
  } else if (isObj(parent)) {
    if (replace && !(key in parent)) throw errors.unprocessable(`replace operation does not apply: doc is missing key: /${segs.join('/')}: missing value`);
    parent[key] = value;
  } else throw errors.unprocessable(`doc is missing path: "/${segs.join('/')}": missing value`);
  return doc;
}

function removeAt(doc: Json, segs: string[]): Json {
  const { parent, key } = resolveParent(doc, segs);
  if (Array.isArray(parent) && Number(key) < parent.length) parent.splice(Number(key), 1);
  else if (isObj(parent) && key in parent) delete parent[key];
  else throw errors.unprocessable(`remove operation does not apply: doc is missing path: "/${segs.join('/')}": missing value`);
  return doc;
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const op of ops) {
    if (!isObj(op)) throw errors.badRequest('invalid JSON patch operation');
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add': doc = addAt(doc, path, structuredClone(op.value as Json), false); break;
      case 'replace': doc = addAt(doc, path, structuredClone(op.value as Json), true); break;
      case 'remove': doc = removeAt(doc, path); break;
      case 'move':
      case 'copy': {
        const from = parsePointer(op.from);
        const v = readAt(doc, from);
        if (v === undefined) throw errors.unprocessable(`${String(op.op)} operation does not apply: doc is missing from path: ${String(op.from)}`);
        if (op.op === 'move') doc = removeAt(doc, from);
        doc = addAt(doc, path, structuredClone(v), false);
        break;
      }
      case 'test': {
        if (JSON.stringify(readAt(doc, path)) !== JSON.stringify(op.value)) {
          throw errors.unprocessable(`testing value ${String(op.path)} failed: test failed`);
        }
        break;
      }
      default: throw errors.badRequest(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return doc;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const SET_LISTS = new Set(['finalizers']);

/** patchMergeKey of a list field, given the map keys leading to it. */
function mergeKey(path: string[]): string | undefined {
  const field = path[path.length - 1] ?? '';
  if (CONTAINER_LISTS.has(field)) return 'name';
  switch (field) {
    case 'env': case 'volumes': case 'imagePullSecrets': case 'resourceClaims': return 'name';
    case 'volumeMounts': return 'mountPath';
    case 'volumeDevices': return 'devicePath';
    case 'hostAliases': return 'ip';
    case 'conditions': return 'type';
    case 'ownerReferences': return 'uid';
    case 'topologySpreadConstraints': return 'topologyKey';
    case 'ports': return path.some((p) => CONTAINER_LISTS.has(p)) ? 'containerPort' : 'port';
    default: return undefined;
  }
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObj(x) && x.$patch !== undefined && Object.keys(x).length === 1)).map(stripDirectives);
  if (!isObj(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function mergeList(orig: Json | undefined, patch: Json[], path: string[]): Json[] {
  if (patch.some((x) => isObj(x) && x.$patch === 'replace')) return stripDirectives(patch) as Json[];
  const field = path[path.length - 1] ?? '';
  const base = Array.isArray(orig) ? structuredClone(orig) : [];
  if (SET_LISTS.has(field)) return [...new Set([...base, ...patch].map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x) as Json);
  const key = mergeKey(path);
  if (!key) return stripDirectives(patch) as Json[];
  const out = base;
  for (const item of patch) {
    if (!isObj(item)) continue;
    const idx = out.findIndex((o) => isObj(o) && o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategicMerge(out[idx], item, path);
    else out.push(stripDirectives(item));
  }
  return out;
}

export function strategicMerge(orig: Json | undefined, patch: Json, path: string[] = []): Json {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const out: JsonObject = isObj(orig) ? { ...orig } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(out[k], v, [...path, k]);
    else if (isObj(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = strategicMerge(out[k], v, [...path, k]);
    } else out[k] = v;
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

export function applyPatch(type: PatchType, target: Json, patch: Json): Json {
  switch (type) {
    case 'application/json-patch+json': return jsonPatch(target, patch);
    case 'application/merge-patch+json': return mergePatch(target, patch);
    case 'application/strategic-merge-patch+json': return strategicMerge(target, patch);
    case 'application/apply-patch+yaml': return strategicMerge(target, patch);
  }
}
