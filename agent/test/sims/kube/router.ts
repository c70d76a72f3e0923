/**
 * @module kube-sim/router
 * Maps request paths onto the apiserver's URL layout: /api/v1/..., /apis/GROUP/VERSION/..., namespaced
 * (`namespaces/NS/PLURAL/NAME/SUB`) and cluster-scoped resources, namespace subresources, and the legacy
 * `/watch/` prefix. Anything else is a 404 "the server could not find the requested resource".
 */
import { findResource, type ResourceDef } from './resources.js';
import { errors } from './status.js';

export interface ResourceRoute {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  legacyWatch: boolean;
}

export function parseResourcePath(segments: string[]): ResourceRoute | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else return undefined;

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  const nsSub = rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && nsSub)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) throw errors.noRoute();
  const def = findResource(group, version, rest[0]!);
  if (!def) throw errors.noRoute();
  if (def.namespaced !== (namespace !== undefined) && rest.length > 1) throw errors.noRoute();
  if (!def.namespaced && namespace !== undefined) throw errors.noRoute();
  const subresource = rest[2];
  if (subresource !== undefined && !def.subresources.some((s) => s.name === subresource)) throw errors.noRoute();
  if (namespace === '' || rest[1] === '') throw errors.noRoute();
  return { def, namespace, name: rest[1], subresource, legacyWatch };
}
