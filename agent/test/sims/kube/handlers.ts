/**
 * @module kube-sim/handlers
 * REST verbs on resources: list (selectors, Table, watch), get, create, update, patch (all four patch
 * types, server-side apply creating missing objects), delete and deletecollection, plus the /status
 * subresource. Subresources with their own shapes (scale, log, exec) live in their own modules.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry, DeleteOptions } from './registry.js';
import type { ResourceRoute } from './router.js';
import type { KubeObject, Json } from './types.js';
import type { WatchHub } from './watch.js';
import { errors } from './status.js';
import { boolParam, negotiate, parseJsonBody, readBody, sendJson } from './http-util.js';
import { toTable, type IncludeObject } from './table.js';
import { decodeProtobufObject, PROTOBUF } from './proto.js';
import { applyPatch, PATCH_TYPES, type PatchType } from './patch.js';

export interface HandlerContext {
  registry: Registry;
  watches: WatchHub;
  maxBodyBytes: number;
}

function includeParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function stripTypeMeta(o: KubeObject): KubeObject {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest as KubeObject;
}

function isDryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  if (v.some((x) => x !== 'All')) throw errors.badRequest(`Invalid dry run value: ${v.filter((x) => x !== 'All').join(', ')}`);
  return v.length > 0;
}

async function readObject(req: IncomingMessage, ctx: HandlerContext): Promise<KubeObject> {
  const raw = await readBody(req, ctx.maxBodyBytes);
  const body = (req.headers['content-type'] ?? '').startsWith(PROTOBUF) ? decodeProtobufObject(raw) : parseJsonBody(raw);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.badRequest('couldn\'t get version/kind; json parse error: json: cannot unmarshal into Go value of type struct');
  }
  const o = body as KubeObject;
  if (o.metadata !== undefined && (o.metadata === null || typeof o.metadata !== 'object')) {
    throw errors.badRequest('metadata: expected an object');
  }
  o.metadata ??= {};
  return o;
}

function checkKind(route: ResourceRoute, o: KubeObject): void {
  const { def } = route;
  const want = def.group ? `${def.group}/${def.version}` : def.version;
  if (o.apiVersion !== undefined && o.apiVersion !== want) {
    throw errors.badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`);
  }
  if (o.kind !== undefined && o.kind !== def.kind) {
    throw errors.badRequest(`the kind in the data (${o.kind}) does not match the expected kind (${def.kind})`);
  }
}

function list(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, route: ResourceRoute, q: URLSearchParams): void {
  const { table } = negotiate(req.headers.accept);
  const labelSelector = q.get('labelSelector') ?? undefined;
  const fieldSelector = q.get('fieldSelector') ?? undefined;
  if (boolParam(q, 'watch') || route.legacyWatch) {
    const timeout = q.get('timeoutSeconds');
    ctx.watches.serve(req, res, ctx.registry.store, {
      def: route.def,
      namespace: route.namespace,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      labelSelector,
      fieldSelector,
      timeoutSeconds: timeout === null ? undefined : Number(timeout),
      sendInitialEvents: boolParam(q, 'sendInitialEvents'),
      allowBookmarks: boolParam(q, 'allowWatchBookmarks'),
      table: table ? { include: includeParam(q) } : undefined,
    });
    return;
  }
  const { items, rv } = ctx.registry.list(route.def, route.namespace, labelSelector, fieldSelector);
  if (table) {
    sendJson(res, 200, toTable(route.def, items, rv, includeParam(q)));
    return;
  }
  sendJson(res, 200, {
    kind: `${route.def.kind}List`,
    apiVersion: route.def.group ? `${route.def.group}/${route.def.version}` : route.def.version,
    metadata: { resourceVersion: rv },
    items: items.map(stripTypeMeta),
  });
}

function sendObject(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, q: URLSearchParams, code: number, o: object): void {
  const { table } = negotiate(req.headers.accept);
  const ko = o as KubeObject;
  if (table && ko.kind === route.def.kind) {
    sendJson(res, code, toTable(route.def, [ko], ko.metadata.resourceVersion, includeParam(q)));
    return;
  }
  sendJson(res, code, o);
}

function patchType(req: IncomingMessage): PatchType {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if ((PATCH_TYPES as readonly string[]).includes(ct)) return ct as PatchType;
  throw errors.unsupportedMediaType([...PATCH_TYPES]);
}

async function patch(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  const type = patchType(req);
  const body = parseJsonBody(await readBody(req, ctx.maxBodyBytes)) as Json;
  const { def, namespace } = route;
  const name = route.name!;
  const dryRun = isDryRun(q);
  if (type === 'application/apply-patch+yaml') {
    if (!q.get('fieldManager')) throw errors.badRequest('PATCH, application/apply-patch+yaml requests must supply a fieldManager parameter');
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('error decoding YAML: expected an object');
    const applied = body as unknown as KubeObject;
    checkKind(route, applied);
    if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (!ctx.registry.store.get(def, namespace, name) && route.subresource === undefined) {
      const created = ctx.registry.create(def, namespace, { ...applied, metadata: { ...(applied.metadata ?? {}), name } }, dryRun);
      sendObject(req, res, route, q, 201, created);
      return;
    }
  }
  const current = ctx.registry.get(def, namespace, name);
  const patched = applyPatch(type, current as unknown as Json, body) as unknown as KubeObject;
  if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw errors.badRequest('patch produced a non-object');
  patched.metadata ??= {};
  if (patched.metadata.resourceVersion === current.metadata.resourceVersion) delete patched.metadata.resourceVersion;
  const updated = ctx.registry.update(def, namespace, name, patched, {
    dryRun,
    ...(route.subresource === 'status' ? { subresource: 'status' as const } : {}),
  });
  sendObject(req, res, route, q, 200, updated);
}

async function readDeleteOptions(req: IncomingMessage, ctx: HandlerContext, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req, ctx.maxBodyBytes);
  const body = (raw.length > 0 ? parseJsonBody(raw) : {}) as Record<string, unknown>;
  const opts: DeleteOptions = { dryRun: isDryRun(q) || (Array.isArray(body.dryRun) && body.dryRun.includes('All')) };
  const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) opts.gracePeriodSeconds = Number(grace);
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy === 'Orphan' || policy === 'Background' || policy === 'Foreground') opts.propagationPolicy = policy;
  else if (body.orphanDependents === true) opts.propagationPolicy = 'Orphan';
  if (body.preconditions && typeof body.preconditions === 'object') opts.preconditions = body.preconditions as DeleteOptions['preconditions'] & object;
  return opts;
}

/** Dispatches a request on a resource path (no subresource or /status). */
export async function handleResource(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  const { def, namespace, name } = route;
  const method = req.method ?? 'GET';
  const verbs = def.verbs;
  if (name === undefined) {
    if (method === 'GET' && verbs.includes('list')) return list(req, res, ctx, route, q);
    if (method === 'POST' && verbs.includes('create')) {
      const o = await readObject(req, ctx);
      checkKind(route, o);
      return sendObject(req, res, route, q, 201, ctx.registry.create(def, namespace, o, isDryRun(q)));
    }
    if (method === 'DELETE' && verbs.includes('deletecollection')) {
      const opts = await readDeleteOptions(req, ctx, q);
      const { items, rv } = ctx.registry.list(def, namespace, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
      for (const o of items) ctx.registry.delete(def, namespace ?? o.metadata.namespace, o.metadata.name ?? '', opts);
      return sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata: { resourceVersion: rv }, items: items.map(stripTypeMeta) });
    }
    throw errors.methodNotAllowed();
  }
  const status = route.subresource === 'status' ? { subresource: 'status' as const } : {};
  switch (method) {
    case 'GET':
      return sendObject(req, res, route, q, 200, ctx.registry.get(def, namespace, name));
    case 'PUT': {
      const o = await readObject(req, ctx);
      checkKind(route, o);
      return sendObject(req, res, route, q, 200, ctx.registry.update(def, namespace, name, o, { dryRun: isDryRun(q), ...status }));
    }
    case 'PATCH':
      return patch(req, res, ctx, route, q);
    case 'DELETE': {
      if (route.subresource) throw errors.methodNotAllowed();
      const opts = await readDeleteOptions(req, ctx, q);
      return sendJson(res, 200, ctx.registry.delete(def, namespace, name, opts));
    }
    default:
      throw errors.methodNotAllowed();
  }
}
