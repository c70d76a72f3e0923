/**
 * @module nomad-sim
 * A loopback simulator of the Nomad HTTP API (modelled on Nomad 1.9/2.0
 * sources: command/agent/*_endpoint.go, nomad/structs), for testing plexops
 * clients over real sockets.
 *
 * Implemented (faithful to the Nomad source unless noted):
 * - Auth: X-Nomad-Token or `Authorization: Bearer`; with `aclToken` set, ACLs
 *   are on and only that token is a (management) token. Missing/unknown tokens
 *   → 403 "Permission denied" on RPC-backed endpoints, 403 "ACL token not
 *   found" where Nomad resolves the token in the HTTP layer (agent/self,
 *   jobs/parse, acl/token/self). Errors are text/plain bodies.
 * - /v1/status/leader, /v1/status/peers, /v1/regions, /v1/agent/self,
 *   /v1/namespaces, /v1/namespace/:name, /v1/acl/token/self.
 * - Jobs: parse (HCL subset, see jobspec.ts), register (versions, EnforceIndex,
 *   unchanged spec keeps the version), plan (Diff, FailedTGAllocs for missing or
 *   exhausted CSI volumes), list, read, summary, allocations, evaluations,
 *   deployment(s), deregister/purge. Simulated scheduling: allocs pending →
 *   running after `allocStartDelayMs`, then DeploymentStatus.Healthy → true and
 *   the deployment → successful.
 * - Blocking queries on read endpoints: `?index=&wait=`, X-Nomad-Index,
 *   default and maximum wait 300s (structs.MaxBlockingRPCQueryTime; Nomad's
 *   docs say 10m — the code caps at 5m). No random jitter is added.
 * - CSI: register, create, read, list (/v1/volumes?type=csi), deregister
 *   ("volume in use"), write/read claims by running allocs, and the "CSI volume
 *   X has exhausted its available writer claims" placement failure.
 * - `failNext(path, status)` for retry tests; unknown paths → 404, empty body.
 * - Nodes (`nodes: N`, nodes.ts): /v1/nodes, /v1/node/:id, drain (allocations
 *   migrate to another eligible node) and eligibility.
 * - `runTasks` (process-runner.ts, task-fs.ts): allocations run as REAL
 *   processes — docker tasks through an image table (Overseerr stand-in, real
 *   litestream) in a private mount namespace, prestart/poststart lifecycle,
 *   templates with Nomad Variables (template.ts), task events and restarts,
 *   deployment health from HTTP/TCP checks, service registrations
 *   (services.ts), CSI volumes backed by a host dir per volume, task logs;
 *   `failTask` injects exits, hangs and failed pulls.
 * - /v1/allocations, /v1/allocation/:id, /v1/client/fs/logs/:alloc, /v1/vars,
 *   /v1/var/:path (routes-client.ts); /v1/services, /v1/service/:name.
 *
 * Left out: blocked evaluations are never retried (a job whose placement
 * failed stays pending even after the volume frees up); failed allocations
 * are not rescheduled; parse output omits the
 * many null fields of a real api.Job and heredocs are not interpolated;
 * node pools, event stream, scaling,
 * dispatch, revert, periodic, multiregion, Sentinel, ACL policies/roles (every
 * valid token is management), HCL functions and arithmetic, host volumes,
 * CSI plugins endpoints, snapshots and detach.
 * Deviation: the simulator caps request bodies (default 16 MiB → 413), where
 * Nomad itself has no HTTP body limit.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, STATUS_CODES } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standInImages } from '../../support/images';
import { type ProcessRunnerOptions, ProcessRunner, type TaskFault } from './process-runner';
import { clientRoutes } from './routes-client';
import { serviceRoutes } from './services';
import { csiDirFor } from './task-fs';
import { invalidMethod, NomadError } from './errors';
import { jobRoutes } from './routes-jobs';
import { addNode, nodeRoutes } from './nodes';
import { volumeRoutes } from './routes-csi';
import { migrateAlloc } from './scheduler';
import * as sys from './routes-system';
import { type AclRule, type Ctx, decodeJson, enforceAcl, parseToken, readBody, resolveIdentity, type Route, runBlocking, type SimConfig, writeError, writeReply } from './server';
import { SimState } from './state';
import { listenOnLoopback } from '../../../../worker/test/sims/sim-http';

export interface NomadSimOptions {
  /** If set, ACLs are enabled and this secret is the (only) management token. */
  aclToken?: string;
  /** Extra namespaces besides "default". */
  namespaces?: string[];
  version?: string;
  region?: string;
  datacenter?: string;
  /** Delay before a placed allocation turns running (and again before it is marked healthy). */
  allocStartDelayMs?: number;
  /** Known CSI plugin IDs. Unset: any PluginID is accepted as a healthy node-only plugin. */
  csiPlugins?: string[];
  /** Simulator-only safety cap on request bodies (default 16 MiB). */
  maxBodyBytes?: number;
  /** Client nodes (default 1). Node drain migrates allocations to the others. */
  nodes?: number;
  /**
   * Run allocations as real processes (process-runner.ts) instead of the timed model. Images
   * default to support/images.ts standInImages(); dataDir (alloc dirs, CSI volume dirs) to a temp dir.
   */
  runTasks?: Partial<ProcessRunnerOptions>;
}

export interface NomadSim {
  url: string;
  requests: Array<{ method: string; path: string; token?: string }>;
  state: SimState;
  failNext(path: string, status: number): void;
  /** With runTasks: the host directory holding all alloc and CSI volume dirs. */
  dataDir: string | undefined;
  /** With runTasks: the host directory backing CSI volume `id` (created on first use). */
  volumeDir(id: string, namespace?: string): string;
  /** With runTasks: the host directory of an allocation. */
  allocDir(allocId: string): string;
  /** With runTasks: make the next start(s) of a task exit, hang or fail its image pull. */
  failTask(fault: TaskFault): void;
  close(): Promise<void>;
}

export type { SimState } from './state';

export interface RouteDef {
  pattern: RegExp;
  acl: AclRule;
  /** When set, other methods get 405 before any ACL check (Nomad checks the method first). */
  methods?: string[];
  handler: Route;
}

const ROUTES: RouteDef[] = [
  { pattern: /^\/v1\/status\/leader$/, acl: 'none', handler: sys.statusLeader },
  { pattern: /^\/v1\/status\/peers$/, acl: 'none', handler: sys.statusPeers },
  { pattern: /^\/v1\/regions$/, acl: 'none', handler: sys.regions },
  { pattern: /^\/v1\/agent\/self$/, acl: 'agent', handler: sys.agentSelf },
  { pattern: /^\/v1\/namespaces$/, acl: 'filter', handler: sys.namespaces },
  { pattern: /^\/v1\/namespace\/(.*)$/, acl: 'filter', handler: sys.namespace },
  { pattern: /^\/v1\/acl\/token\/self$/, acl: 'whoami', handler: sys.aclTokenSelf },
  ...jobRoutes,
  ...volumeRoutes,
];

export async function startNomadSim(opts: NomadSimOptions = {}): Promise<NomadSim> {
  const config: SimConfig = {
    aclToken: opts.aclToken,
    version: opts.version ?? '1.9.7',
    region: opts.region ?? 'global',
    datacenter: opts.datacenter ?? 'dc1',
    allocStartDelayMs: opts.allocStartDelayMs ?? 50,
    maxBodyBytes: opts.maxBodyBytes ?? 16 * 1024 * 1024,
  };
  const state = new SimState(opts.namespaces ?? [], opts.csiPlugins);
  for (let i = 0; i < Math.max(1, opts.nodes ?? 1); i++) addNode(state, i, config.datacenter, config.version);
  let runner: ProcessRunner | undefined;
  let ownDataDir: string | undefined;
  if (opts.runTasks) {
    const dataDir = opts.runTasks.dataDir ?? (ownDataDir = await mkdtemp(join(tmpdir(), 'nomad-sim-')));
    runner = new ProcessRunner(state, config, { ...opts.runTasks, images: opts.runTasks.images ?? (await standInImages()), dataDir });
    state.runner = runner;
  }
  const needRunner = (): ProcessRunner => {
    if (!runner) throw new Error('nomad sim: start it with runTasks to run allocations as processes');
    return runner;
  };
  const routes = [...ROUTES, ...nodeRoutes((alloc) => migrateAlloc(state, config, alloc)), ...serviceRoutes, ...clientRoutes((id) => (runner ? runner.allocDir(id) : undefined))];
  const requests: NomadSim['requests'] = [];
  const faults = new Map<string, number[]>();
  const inflight = new Set<AbortController>();

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(`http://127.0.0.1${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? ''}`);
    } catch {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('Bad Request');
      return;
    }
    const token = parseToken(req);
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, ...(token ? { token } : {}) });
    const fault = faults.get(url.pathname)?.shift();
    if (fault !== undefined) {
      req.resume();
      res.writeHead(fault, { 'Content-Type': 'text/plain' });
      res.end(STATUS_CODES[fault] ?? 'injected failure');
      return;
    }
    const route = routes.find((r) => r.pattern.test(url.pathname));
    if (!route) {
      req.resume();
      res.writeHead(404);
      res.end();
      return;
    }
    const abort = new AbortController();
    inflight.add(abort);
    res.on('close', () => {
      abort.abort();
      inflight.delete(abort);
    });
    const identity = resolveIdentity(token, config);
    let index: number | undefined;
    let bodyPromise: Promise<unknown> | undefined;
    const ctx: Ctx = {
      req,
      res,
      url,
      method: req.method ?? 'GET',
      namespace: url.searchParams.get('namespace') || 'default',
      identity,
      state,
      config,
      signal: abort.signal,
      json: () => (bodyPromise ??= readBody(req, config.maxBodyBytes).then(decodeJson)),
      setIndex: (n) => {
        index = n;
      },
      blocking: (tables, produce) => runBlocking(ctx, tables, produce),
    };
    Promise.resolve()
      .then(() => {
        let params: string[];
        try {
          params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p ?? ''));
        } catch {
          throw new NomadError(400, 'Bad Request');
        }
        if (route.methods && !route.methods.includes(ctx.method)) throw invalidMethod();
        enforceAcl(route.acl, identity);
        return route.handler(ctx, params);
      })
      .then((reply) => {
        // Streaming handlers (logs) and raw replies (409 on a var CAS) have answered already.
        if (abort.signal.aborted || res.headersSent) return;
        if (index !== undefined) res.setHeader('X-Nomad-Index', String(index));
        res.setHeader('X-Nomad-KnownLeader', 'true');
        res.setHeader('X-Nomad-LastContact', '0');
        writeReply(res, reply, url.searchParams.has('pretty'));
      })
      .catch((err: unknown) => {
        if (err instanceof NomadError && err.status === 413) res.setHeader('Connection', 'close');
        writeError(res, err);
      });
  });
  server.headersTimeout = 10_000;
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state,
    failNext(path, status) {
      faults.set(path, [...(faults.get(path) ?? []), status]);
    },
    dataDir: runner?.o.dataDir,
    volumeDir(id, namespace = 'default') {
      const dir = csiDirFor(needRunner().o.dataDir, namespace, id);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    allocDir: (id) => needRunner().allocDir(id),
    failTask: (fault) => needRunner().faults.push(fault),
    async close() {
      for (const a of inflight) a.abort();
      state.stopTimers();
      await runner?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}
