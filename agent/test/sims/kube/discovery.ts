/**
 * @module kube-sim/discovery
 * Version, legacy discovery (APIVersions, APIGroupList, APIGroup, APIResourceList) and the OpenAPI v3
 * documents kubectl consults. Aggregated discovery (application/json;as=APIGroupDiscoveryList) is not
 * offered: the server answers plain JSON, which makes client-go fall back to legacy discovery exactly as it
 * does against an older apiserver.
 */
import { createHash } from 'node:crypto';
import { readdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { GROUPS, groupVersion, resourcesIn, type ResourceDef } from './resources.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

/**
 * The Google Cloud SDK kubectl dispatcher runs kubectl.1.<minor> for the server's minor version, so the default
 * reports the newest minor installed beside /usr/bin/kubectl (falling back to 1.33).
 */
export function defaultVersion(kubectlPath = '/usr/bin/kubectl'): VersionInfo {
  let minor = 33;
  try {
    const dir = dirname(realpathSync(kubectlPath));
    const minors = readdirSync(dir)
      .map((f) => f.match(/^kubectl\.1\.(\d+)$/)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number);
    if (minors.length > 0) minor = Math.max(...minors);
  } catch {
    // No dispatcher here: keep the fallback.
  }
  return { major: '1', minor: String(minor), gitVersion: `v1.${minor}.0` };
}

export function versionBody(v: VersionInfo): Record<string, string> {
  return {
    major: v.major,
    minor: v.minor,
    gitVersion: v.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(g: { name: string; versions: string[] }): object {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(apiGroup) };
}

export function apiGroupDoc(name: string): object | undefined {
  const g = GROUPS.find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

function storageVersionHash(r: ResourceDef): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest('base64').slice(0, 12);
}

export function apiResourceList(group: string, version: string): object | undefined {
  const known = group === '' ? version === 'v1' : GROUPS.some((g) => g.name === group && g.versions.includes(version));
  if (!known) return undefined;
  const resources: object[] = [];
  for (const r of resourcesIn(group, version)) {
    const main: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames) main.shortNames = r.shortNames;
    if (r.categories) main.categories = r.categories;
    if (r.stored) main.storageVersionHash = storageVersionHash(r);
    resources.push(main);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: r.singular, namespaced: r.namespaced };
      if (s.group !== undefined) sub.group = s.group;
      if (s.version !== undefined) sub.version = s.version;
      sub.kind = s.kind;
      sub.verbs = s.verbs;
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/** Relative OpenAPI v3 document paths (`api/v1`, `apis/apps/v1`, ...). */
function openApiPaths(): string[] {
  return ['api/v1', ...GROUPS.flatMap((g) => g.versions.map((v) => `apis/${g.name}/${v}`))];
}

/**
 * Per group-version documents carry, for every stored resource, the item path's PATCH operation with its
 * x-kubernetes-group-version-kind and the dryRun/fieldManager/fieldValidation query parameters: that is what
 * kubectl checks to decide server-side field validation and dry-run support. Schemas are left out
 * (`kubectl explain` needs them, apply falls back to its compiled-in types).
 */
export function openApiDoc(rel: string): object | undefined {
  const m = rel.match(/^api\/v1$|^apis\/([^/]+)\/([^/]+)$/);
  if (!m) return undefined;
  const group = m[1] ?? '';
  const version = m[2] ?? 'v1';
  if (!openApiPaths().includes(rel)) return undefined;
  const paths: Record<string, object> = {};
  const param = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  for (const r of resourcesIn(group, version)) {
    if (!r.stored) continue;
    const base = `/${rel}/${r.namespaced ? 'namespaces/{namespace}/' : ''}${r.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [param('dryRun'), param('fieldManager'), param('fieldValidation'), { name: 'force', in: 'query', schema: { type: 'boolean' } }],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1' }, paths, components: { schemas: {} } };
}

export function openApiIndex(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const rel of openApiPaths()) {
    const hash = createHash('sha512').update(JSON.stringify(openApiDoc(rel))).digest('hex').slice(0, 128).toUpperCase();
    paths[rel] = { serverRelativeURL: `/openapi/v3/${rel}?hash=${hash}` };
  }
  return { paths };
}
