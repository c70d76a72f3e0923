/**
 * @module kube-sim/server
 * The HTTP front of the simulated apiserver: bearer-token authentication (401 Unauthorized Status; optional
 * anonymous access limited to the public-info paths like the system:public-info-viewer role), authorization
 * against the deny rules (403 Forbidden worded like RBAC), discovery and OpenAPI, health endpoints, and
 * dispatch to resource handlers. Upgrade requests (exec) are handed to an optional upgrade handler.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, openApiDoc, openApiIndex, versionBody, type VersionInfo } from './discovery.js';
import { errors, KubeError } from './status.js';
import { parseJsonBody, readBody, sendError, sendJson, sendText } from './http-util.js';
import { parseResourcePath, type ResourceRoute } from './router.js';
import { handleResource, type HandlerContext } from './handlers.js';
import { handleScale } from './scale.js';
import { handleLog, type LogStore } from './logs.js';
import { decodeProtobufObject, PROTOBUF } from './proto.js';
import { selfSubjectAccessReview, selfSubjectRulesReview, type DenyRule } from './authz.js';

export interface ServerConfig {
  version: VersionInfo;
  token: string;
  /**
   * What a request without Authorization is: 'reject' → 401, 'anonymous' → system:anonymous (public-info paths
   * only), 'user' → the simulated user. client-go never sends credentials over plain HTTP, so kubectl against an
   * http:// simulator only works with 'user' (the legacy insecure-port behaviour).
   */
  missingToken: 'reject' | 'anonymous' | 'user';
  deny: DenyRule[];
  ctx: HandlerContext;
  logs: LogStore;
  requests: Array<{ method: string; path: string }>;
  onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute) => void;
}

const USER = 'sim-user';

type Identity = { user: string } | 'unauthenticated';

function authenticate(req: IncomingMessage, token: string): Identity | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return 'unauthenticated';
  const m = header.match(/^Bearer\s+(\S+)\s*$/i);
  if (!m) return undefined;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want) ? { user: USER } : undefined;
}

function resolveIdentity(req: IncomingMessage, cfg: ServerConfig): Identity {
  const identity = authenticate(req, cfg.token);
  if (identity === undefined) throw errors.unauthorized();
  if (identity !== 'unauthenticated') return identity;
  if (cfg.missingToken === 'reject') throw errors.unauthorized();
  return cfg.missingToken === 'user' ? { user: USER } : 'unauthenticated';
}

function verbOf(method: string, route: ResourceRoute, q: URLSearchParams): string {
  switch (method) {
    case 'GET': return route.name === undefined ? (q.get('watch') === 'true' || route.legacyWatch ? 'watch' : 'list') : 'get';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return route.name === undefined ? 'deletecollection' : 'delete';
    default: return method.toLowerCase();
  }
}

function forbidden(user: string, verb: string, route: ResourceRoute): KubeError {
  const { def, namespace, name, subresource } = route;
  const res = subresource ? `${def.plural}/${subresource}` : def.plural;
  const what = `${name ? `${def.plural}${def.group ? `.${def.group}` : ''} "${name}"` : `${def.plural}${def.group ? `.${def.group}` : ''}`}`;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return errors.forbidden(
    `${what} is forbidden: User "${user}" cannot ${verb} resource "${res}" in API group "${def.group}" ${scope}`,
    { ...(name ? { name } : {}), ...(def.group ? { group: def.group } : {}), kind: def.plural },
  );
}

function denied(deny: DenyRule[], verb: string, route: ResourceRoute): boolean {
  const eq = (r: string | undefined, v: string | undefined) => r === undefined || r === '*' || r === (v ?? '');
  return deny.some((r) => eq(r.namespace, route.namespace) && eq(r.verb, verb) && eq(r.resource, route.def.plural) && eq(r.group, route.def.group) && eq(r.subresource, route.subresource));
}

async function dispatch(cfg: ServerConfig, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const identity = resolveIdentity(req, cfg);
  const user = identity === 'unauthenticated' ? 'system:anonymous' : identity.user;

  if (path === '/healthz' || path === '/livez' || path === '/readyz') return sendText(res, 200, 'ok');
  if (path === '/version') return sendJson(res, 200, versionBody(cfg.version));
  const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const isResourcePath = (segments[0] === 'api' && segments.length >= 3) || (segments[0] === 'apis' && segments.length >= 4);
  // Discovery is granted to system:authenticated only (system:discovery), so anonymous callers get a path 403.
  if (identity === 'unauthenticated' && !isResourcePath) {
    throw errors.forbidden(`forbidden: User "system:anonymous" cannot ${method.toLowerCase()} path "${path}"`, {});
  }
  if (path === '/api') return sendJson(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
  if (path === '/apis') return sendJson(res, 200, apiGroupList());
  if (segments[0] === 'openapi') {
    if (path === '/openapi/v3') return sendJson(res, 200, openApiIndex());
    const doc = segments[1] === 'v3' ? openApiDoc(segments.slice(2).join('/')) : undefined;
    if (doc) return sendJson(res, 200, doc);
    throw errors.noRoute();
  }
  if (segments[0] === 'apis' && segments.length === 2) {
    const g = apiGroupDoc(segments[1]!);
    if (g) return sendJson(res, 200, g);
    throw errors.noRoute();
  }
  if ((segments[0] === 'api' && segments.length === 2) || (segments[0] === 'apis' && segments.length === 3)) {
    const list = segments[0] === 'api' ? apiResourceList('', segments[1]!) : apiResourceList(segments[1]!, segments[2]!);
    if (list) return sendJson(res, 200, list);
    throw errors.noRoute();
  }
  const route = parseResourcePath(segments);
  if (!route) throw errors.noRoute();
  const verb = verbOf(method, route, url.searchParams);
  if (identity === 'unauthenticated' || denied(cfg.deny, verb, route)) throw forbidden(user, verb, route);

  if (route.def.plural === 'selfsubjectaccessreviews' || route.def.plural === 'selfsubjectrulesreviews') {
    if (method !== 'POST' || route.name !== undefined) throw errors.methodNotAllowed();
    const raw = await readBody(req, cfg.ctx.maxBodyBytes);
    const isProto = (req.headers['content-type'] ?? '').startsWith(PROTOBUF);
    const body = isProto ? decodeProtobufObject(raw) : parseJsonBody(raw);
    return sendJson(res, 201, route.def.plural === 'selfsubjectaccessreviews'
      ? selfSubjectAccessReview(body, cfg.ctx.registry, cfg.deny)
      : selfSubjectRulesReview(body));
  }
  switch (route.subresource) {
    case 'scale': return handleScale(req, res, cfg.ctx, route, url.searchParams);
    case 'log': return handleLog(req, res, cfg.ctx, cfg.logs, route, url.searchParams);
    case 'exec': case 'attach': case 'portforward': case 'proxy':
      // Non-upgrade calls (and SPDY, which we refuse) land here, like a real apiserver without an upgrade.
      throw errors.badRequest('Upgrade request required');
    default: return handleResource(req, res, cfg.ctx, route, url.searchParams);
  }
}

export function createApiServer(cfg: ServerConfig, tls?: { key: string; cert: string }): Server {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    cfg.requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}` });
    dispatch(cfg, req, res, url).catch((err: unknown) => {
      sendError(res, err);
      // Drain what the client is still sending so it reads our error instead of a reset.
      req.resume();
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    cfg.requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}` });
    const reject = (err: KubeError) => {
      const body = JSON.stringify(err.body);
      socket.end(`HTTP/1.1 ${err.code} ${err.body.reason ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      if (resolveIdentity(req, cfg) === 'unauthenticated') throw errors.unauthorized();
      const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
      const route = parseResourcePath(segments);
      if (!route || !route.name || route.subresource !== 'exec' || !cfg.onUpgrade) throw errors.badRequest('Upgrade request required');
      if (denied(cfg.deny, 'create', route)) throw forbidden(USER, 'create', route);
      cfg.onUpgrade(req, socket, head, route);
    } catch (err) {
      reject(err instanceof KubeError ? err : errors.internal(String(err)));
    }
  });
  return server;
}
