/**
 * @module kube-sim/scale
 * The autoscaling/v1 Scale subresource of StatefulSets and Deployments: GET, PUT and PATCH (what
 * `kubectl scale` sends) read and write spec.replicas of the parent; status carries the observed replica count
 * and the label selector as a string.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext } from './handlers.js';
import type { ResourceRoute } from './router.js';
import type { Json, KubeObject } from './types.js';
import { errors } from './status.js';
import { parseJsonBody, readBody, sendJson } from './http-util.js';
import { applyPatch, PATCH_TYPES, type PatchType } from './patch.js';

function toScale(o: KubeObject): KubeObject {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (o.status ?? {}) as { replicas?: number };
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    },
  };
}

export async function handleScale(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, route: ResourceRoute, q: URLSearchParams): Promise<void> {
  const { def, namespace } = route;
  const name = route.name!;
  const current = ctx.registry.get(def, namespace, name);
  const method = req.method ?? 'GET';
  if (method === 'GET') return sendJson(res, 200, toScale(current));
  let next: KubeObject;
  if (method === 'PUT') {
    next = parseJsonBody(await readBody(req, ctx.maxBodyBytes)) as KubeObject;
  } else if (method === 'PATCH') {
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim() as PatchType;
    if (!(PATCH_TYPES as readonly string[]).includes(ct)) throw errors.unsupportedMediaType([...PATCH_TYPES]);
    const body = parseJsonBody(await readBody(req, ctx.maxBodyBytes)) as Json;
    next = applyPatch(ct, toScale(current) as unknown as Json, body) as unknown as KubeObject;
  } else throw errors.methodNotAllowed();
  const replicas = (next?.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('Scale', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }], 'autoscaling');
  }
  const rv = next.metadata?.resourceVersion;
  const updated = ctx.registry.update(def, namespace, name, {
    ...current,
    metadata: { ...current.metadata, ...(rv ? { resourceVersion: rv } : { resourceVersion: undefined }) },
    spec: { ...(current.spec as object), replicas },
  }, { dryRun: q.getAll('dryRun').includes('All') });
  sendJson(res, 200, toScale(updated));
}
