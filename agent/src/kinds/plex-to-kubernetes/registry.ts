/**
 * @module
 * Does an image tag exist in its registry? The Docker Registry HTTP API v2 way: `HEAD /v2/<repo>/manifests/<tag>`
 * with the manifest media types; a 401 names a Bearer token service in `WWW-Authenticate` (realm, service,
 * scope), which gives an anonymous pull token for the retry. Any answer that is not a clear yes (2xx) or no
 * (404) — unreachable, timed out, refused, odd status — is "not checked" with the reason, never a guess.
 * Only a public pull token is asked for; no credentials are sent.
 */

export type TagCheck = { result: 'exists'; digest?: string } | { result: 'missing' } | { result: 'not-checked'; reason: string };

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

export interface ImageName {
  /** Base URL of the registry API (scheme + host). */
  registry: string;
  repository: string;
  tag: string;
}

/** `index.docker.io/plexinc/pms-docker:1.2.3` → registry https://registry-1.docker.io, repository plexinc/pms-docker. */
export function parseImage(image: string, tag: string, registryUrl?: string): ImageName {
  const noDigest = image.replace(/@sha256:[0-9a-f]+$/, '');
  const noTag = noDigest.replace(/:[^:/]+$/, '');
  const parts = noTag.split('/');
  const hasHost = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!);
  const host = hasHost ? parts.shift()! : 'docker.io';
  const hub = ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host);
  const repository = (hub && parts.length === 1 ? ['library', ...parts] : parts).join('/');
  return { registry: (registryUrl ?? (hub ? 'https://registry-1.docker.io' : `https://${host}`)).replace(/\/+$/, ''), repository, tag };
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
export function parseBearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([A-Za-z]+)="([^"]*)"/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out.realm ? out : undefined;
}

export async function checkImageTag(name: ImageName, timeoutMs = 10_000, signal?: AbortSignal): Promise<TagCheck> {
  const url = `${name.registry}/v2/${name.repository}/manifests/${encodeURIComponent(name.tag)}`;
  const opts = () => ({ signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]), redirect: 'manual' as const });
  try {
    let r = await fetch(url, { method: 'HEAD', headers: { accept: ACCEPT }, ...opts() });
    if (r.status === 401) {
      const ch = parseBearerChallenge(r.headers.get('www-authenticate'));
      if (!ch) return { result: 'not-checked', reason: `${name.registry} asks for credentials (401 without a Bearer challenge)` };
      const realm = new URL(ch.realm!);
      // Follow the token service only over https, or on the registry's own origin (a registry on a LAN).
      if (realm.protocol !== 'https:' && realm.origin !== new URL(name.registry).origin) return { result: 'not-checked', reason: `token service ${realm.origin} is not https` };
      if (ch.service) realm.searchParams.set('service', ch.service);
      realm.searchParams.set('scope', ch.scope ?? `repository:${name.repository}:pull`);
      const t = await fetch(realm, { headers: { accept: 'application/json' }, ...opts() });
      if (!t.ok) return { result: 'not-checked', reason: `token service answered ${t.status}` };
      const body = (await t.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
      const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
      if (!token) return { result: 'not-checked', reason: 'token service gave no token' };
      r = await fetch(url, { method: 'HEAD', headers: { accept: ACCEPT, authorization: `Bearer ${token}` }, ...opts() });
    }
    if (r.status === 404) return { result: 'missing' };
    if (r.ok) return { result: 'exists', ...(r.headers.get('docker-content-digest') ? { digest: r.headers.get('docker-content-digest')! } : {}) };
    return { result: 'not-checked', reason: `${name.registry} answered ${r.status}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { result: 'not-checked', reason: `${name.registry} is not reachable (${why})` };
  }
}
