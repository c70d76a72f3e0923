/**
 * @module kube-sim/proto
 * Just enough of the Kubernetes protobuf encoding ("k8s\0" + runtime.Unknown envelope) to read the bodies
 * kubectl sends as application/vnd.kubernetes.protobuf: SelfSubjectAccessReview/SelfSubjectRulesReview
 * (`kubectl auth can-i`) and Namespace/ConfigMap/Secret (`kubectl create namespace|configmap|secret`). Other
 * protobuf bodies (e.g. `kubectl create deployment`) are answered 415, which a real server never does.
 */
import { errors } from './status.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, Array<Buffer | number>>;

function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw errors.badRequest('proto: unexpected end of input');
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
    if (shift > 63) throw errors.badRequest('proto: varint overflow');
  }
}

function decode(buf: Buffer): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = varint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value: Buffer | number;
    if (wire === 0) [value, pos] = varint(buf, p1);
    else if (wire === 2) {
      const [len, p2] = varint(buf, p1);
      if (p2 + len > buf.length) throw errors.badRequest('proto: unexpected end of input');
      value = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else if (wire === 1) [value, pos] = [0, p1 + 8];
    else if (wire === 5) [value, pos] = [0, p1 + 4];
    else throw errors.badRequest(`proto: illegal wireType ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'strings' | 'map' | 'mapBytes' | { msg: Schema } | { msgs: Schema };
type Schema = Record<number, [string, FieldType]>;

const OWNER_REF: Schema = { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 5: ['uid', 'string'], 6: ['resourceVersion', 'string'],
  11: ['labels', 'map'], 12: ['annotations', 'map'], 13: ['ownerReferences', { msgs: OWNER_REF }], 14: ['finalizers', 'strings'],
};
const RESOURCE_ATTRIBUTES: Schema = { 1: ['namespace', 'string'], 2: ['verb', 'string'], 3: ['group', 'string'], 4: ['version', 'string'], 5: ['resource', 'string'], 6: ['subresource', 'string'], 7: ['name', 'string'] };
/** Field numbers from k8s.io/api generated.proto for the kinds kubectl creates with protobuf. */
const KINDS: Record<string, Schema> = {
  Namespace: { 1: ['metadata', { msg: OBJECT_META }], 2: ['spec', { msg: { 1: ['finalizers', 'strings'] } }] },
  ConfigMap: { 1: ['metadata', { msg: OBJECT_META }], 2: ['data', 'map'], 3: ['binaryData', 'mapBytes'], 4: ['immutable', 'bool'] },
  Secret: { 1: ['metadata', { msg: OBJECT_META }], 2: ['data', 'mapBytes'], 3: ['type', 'string'], 4: ['stringData', 'map'], 5: ['immutable', 'bool'] },
  SelfSubjectAccessReview: {
    1: ['metadata', { msg: OBJECT_META }],
    2: ['spec', { msg: { 1: ['resourceAttributes', { msg: RESOURCE_ATTRIBUTES }], 2: ['nonResourceAttributes', { msg: { 1: ['path', 'string'], 2: ['verb', 'string'] } }] } }],
  },
  SelfSubjectRulesReview: { 1: ['metadata', { msg: OBJECT_META }], 2: ['spec', { msg: { 1: ['namespace', 'string'] } }] },
};

function mapEntries(values: Array<Buffer | number>, asBytes: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    if (!Buffer.isBuffer(v)) continue;
    const e = decode(v);
    const k = e.get(1)?.[0];
    const val = e.get(2)?.[0];
    const bytes = Buffer.isBuffer(val) ? val : Buffer.alloc(0);
    out[Buffer.isBuffer(k) ? k.toString('utf8') : ''] = asBytes ? bytes.toString('base64') : bytes.toString('utf8');
  }
  return out;
}

/** Converts decoded fields to JSON with Go's omitempty behaviour (empty strings, maps and lists dropped). */
function toJson(f: Fields, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [n, [name, type]] of Object.entries(schema)) {
    const values = f.get(Number(n));
    if (!values || values.length === 0) continue;
    const first = values[0]!;
    let v: unknown;
    if (type === 'string') v = Buffer.isBuffer(first) ? first.toString('utf8') : '';
    else if (type === 'bytes') v = Buffer.isBuffer(first) ? first.toString('base64') : '';
    else if (type === 'int') v = typeof first === 'number' ? first : 0;
    else if (type === 'bool') v = first === 1 ? true : undefined;
    else if (type === 'strings') v = values.filter(Buffer.isBuffer).map((b) => b.toString('utf8'));
    else if (type === 'map' || type === 'mapBytes') v = mapEntries(values, type === 'mapBytes');
    else if ('msg' in type) v = Buffer.isBuffer(first) ? toJson(decode(first), type.msg) : undefined;
    else v = values.filter(Buffer.isBuffer).map((b) => toJson(decode(b), type.msgs));
    const empty = v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0 && name !== 'metadata');
    if (!empty) out[name] = v;
  }
  return out;
}

/** Decodes a protobuf request body into the JSON shape of the object it carries. */
export function decodeProtobufObject(body: Buffer): unknown {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  const unknown = decode(body.subarray(4));
  const tm = unknown.get(1)?.[0];
  const typeMeta = (Buffer.isBuffer(tm) ? toJson(decode(tm), { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] }) : {}) as { apiVersion?: string; kind?: string };
  const raw = unknown.get(2)?.[0];
  const schema = typeMeta.kind ? KINDS[typeMeta.kind] : undefined;
  if (schema) return { ...typeMeta, ...toJson(Buffer.isBuffer(raw) ? decode(raw) : new Map(), schema) };
  throw errors.unsupportedMediaType(['application/json', 'application/yaml']);
}
