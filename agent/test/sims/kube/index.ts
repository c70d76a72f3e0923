/**
 * @module kube-sim
 * A Kubernetes API server simulator for driving the REAL kubectl (and our own clients) over loopback HTTP.
 *
 * Implemented (faithful to the documented apiserver API): /version (minor picks the gcloud kubectl
 * dispatcher's binary), legacy discovery (/api, /apis, /api/v1, /apis/{apps,autoscaling,authorization.k8s.io}/v1),
 * OpenAPI v3 index + per group-version documents with PATCH metadata (no schemas), bearer-token authentication
 * (401 Unauthorized Status) with optional anonymous public-info access, deny-rule authorization (403 RBAC-style),
 * SelfSubjectAccessReview/SelfSubjectRulesReview, health endpoints, and for namespaces, pods, services,
 * configmaps, secrets, persistentvolumeclaims, events, nodes, statefulsets, deployments and HPAs:
 * list (label/field selectors), watch (resourceVersion semantics, sendInitialEvents, Table events), get, create
 * (generateName, defaulting, validation → 422), update (optimistic concurrency → 409), patch (merge, JSON,
 * strategic, server-side apply), delete (graceful pods, namespace termination, finalizers, owner GC),
 * deletecollection, dry runs, /status, /scale, /log, Table output with the built-in printers' columns, Status
 * error bodies (400/401/403/404/405/406/409/410/413/415/422). StatefulSet/Deployment controllers and a kubelet
 * simulation make rollout status / wait work. Pods really run: each container is a Linux-namespace sandbox
 * (runtime.ts, support/sandbox.ts) with its own root filesystem (the host's /usr and /etc read-only under a
 * copy-on-write overlay, plus any image layers the `images` resolver gives), its volumes at their mount paths
 * (a PVC is a directory shared by every pod that mounts it), and the pod's own network namespace; init
 * containers run to completion first, command/args (or the image's entrypoint) run as the main process, and
 * readiness probes run inside the pod. pods/exec over WebSocket (v5/v4.channel.k8s.io) runs commands inside
 * the container, so paths are the pod's (a wrong path fails in the pod and never reaches the host; no host path
 * shows in output) and `kubectl cp` works both ways. Needs root, util-linux and python3 (CI runs as root).
 *
 * Plain HTTP by default (client-go sends no credentials over HTTP, so token-less requests act as the user there),
 * or HTTPS with a self-signed certificate where tokens are enforced.
 *
 * Left out: client-certificate auth, protobuf/CBOR and YAML request bodies (apply-patch bodies must be JSON, which kubectl sends),
 * aggregated discovery, OpenAPI schemas (`kubectl explain`), managedFields and apply conflicts, field validation
 * of unknown fields, list pagination (limit is ignored, everything fits one page), SPDY, attach/port-forward,
 * ReplicaSets (Deployments report ready without pods), admission webhooks, quotas.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ObjectStore } from './store.js';
import { Registry } from './registry.js';
import { Timers } from './timers.js';
import { WatchHub } from './watch.js';
import { LogStore } from './logs.js';
import { createApiServer } from './server.js';
import { defaultVersion, type VersionInfo } from './discovery.js';
import { DEFAULT_MAX_BODY_BYTES } from './http-util.js';
import { writeKubeconfig } from './kubeconfig.js';
import { typedStore, type TypedStore } from './typed-store.js';
import { seedCluster } from './seed.js';
import { servingCert } from './tls.js';
import { startKubelet } from './kubelet.js';
import { startControllers } from './controllers.js';
import type { Pod } from './types.js';
import { PodFilesystems } from './podfs.js';
import { ExecServer } from './exec.js';
import { PodRuntime, type ImageResolver } from './runtime.js';
import type { DenyRule } from './authz.js';
import { listenOnLoopback } from '../../../../worker/test/sims/sim-http';

export type { DenyRule } from './authz.js';
export type { PodFilesystems, Mount } from './podfs.js';
export type { ImageRuntime, ImageResolver, PodRuntime } from './runtime.js';
export type { LogStore } from './logs.js';
export type { TypedStore, NamespacedAccessor, ClusterAccessor } from './typed-store.js';
export type * from './types.js';

export interface KubeSimOptions {
  /** Reported by /version; the minor selects kubectl.1.<minor> under the gcloud dispatcher. */
  version?: VersionInfo;
  /**
   * Serve HTTPS with a self-signed certificate (its PEM is `ca`, and the kubeconfig trusts it). Default false.
   * client-go only sends credentials over TLS, so token checks against kubectl need `tls: true`.
   */
  tls?: boolean;
  /** Bearer token clients must present (random when omitted). A wrong token is always 401 Unauthorized. */
  token?: string;
  /**
   * A request without a token is: 'reject' → 401 Unauthorized (an apiserver with --anonymous-auth=false),
   * 'anonymous' → system:anonymous (only /version and health endpoints, 403 elsewhere), 'user' → treated as the
   * token's user. Default: 'reject' with TLS; 'user' over plain HTTP, where kubectl never sends the token.
   */
  missingToken?: 'reject' | 'anonymous' | 'user';
  /** Requests matching any rule get 403, and SelfSubjectAccessReviews answer allowed:false. */
  deny?: DenyRule[];
  /** Extra namespaces to create at start (default, kube-system, kube-public, kube-node-lease always exist). */
  namespaces?: string[];
  /** Request body limit (default 3 MiB like the apiserver). */
  maxBodyBytes?: number;
  /** Delay between a pod's creation and it becoming Running + Ready (default 150 ms). */
  podReadyDelayMs?: number;
  /** Return false to keep a pod Running but not Ready (overrides readiness probes). */
  podReady?: (pod: Pod) => boolean;
  /** How often readiness probes run while failing (4× slower once passing). Default 200 ms. */
  probeIntervalMs?: number;
  /** Gives images their files, entrypoint, env and user (see runtime.ts); unknown images get none. */
  images?: ImageResolver;
  /** How long deleted pods stay Terminating (default 100 ms). */
  podTerminationMs?: number;
  /** How long deleted namespaces stay Terminating (default 100 ms). */
  namespaceTerminationMs?: number;
}

export interface KubeSim {
  /** http://127.0.0.1:PORT (https:// with tls). */
  url: string;
  token: string;
  /** PEM of the self-signed serving certificate (tls only). */
  ca?: string;
  kubeconfigPath: string;
  /** { KUBECONFIG, KUBECACHEDIR } for kubectl child processes. */
  env: Record<string, string>;
  requests: Array<{ method: string; path: string }>;
  store: TypedStore;
  logs: LogStore;
  /** Host directories behind PVCs and pod volumes: pvcDir(ns, claim), podDir(pod), mounts(pod, container). */
  fs: PodFilesystems;
  /** The running containers (sandboxes) of each pod. */
  runtime: PodRuntime;
  close(): Promise<void>;
}

export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-sim-'));
  const cacheDir = join(dir, 'cache');
  await mkdir(cacheDir);
  const token = opts.token ?? randomBytes(24).toString('hex');
  const timers = new Timers();
  const store = new ObjectStore();
  const registry = new Registry(store, timers, {
    podTerminationMs: opts.podTerminationMs ?? 100,
    namespaceTerminationMs: opts.namespaceTerminationMs ?? 100,
  });
  const watches = new WatchHub();
  const logs = new LogStore();
  const requests: KubeSim['requests'] = [];
  const podfs = new PodFilesystems(join(dir, 'fs'), store);
  const runtime = new PodRuntime(podfs, logs, opts.images);
  const stopKubelet = startKubelet(store, timers, runtime, {
    readyDelayMs: opts.podReadyDelayMs ?? 150,
    probeIntervalMs: opts.probeIntervalMs ?? 200,
    ...(opts.podReady ? { podReady: opts.podReady } : {}),
  });
  const stopControllers = startControllers(registry, timers);
  const typed = typedStore(registry);
  const execServer = new ExecServer(registry, runtime);
  seedCluster(typed, opts.namespaces ?? []);

  const cert = opts.tls ? await servingCert() : undefined;
  const server = createApiServer({
    version: opts.version ?? defaultVersion(),
    token,
    missingToken: opts.missingToken ?? (opts.tls ? 'reject' : 'user'),
    deny: opts.deny ?? [],
    ctx: { registry, watches, maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES },
    logs,
    requests,
    onUpgrade: (req, socket, head, route) => execServer.handleUpgrade(req, socket, head, route),
  }, cert);
  const port = await listenOnLoopback(server);
  const url = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;
  const kubeconfigPath = await writeKubeconfig(dir, url, token, cert?.cert);

  let closed = false;
  return {
    url,
    token,
    ...(cert ? { ca: cert.cert } : {}),
    kubeconfigPath,
    env: { KUBECONFIG: kubeconfigPath, KUBECACHEDIR: cacheDir },
    requests,
    store: typed,
    logs,
    fs: podfs,
    runtime,
    async close() {
      if (closed) return;
      closed = true;
      execServer.close();
      stopKubelet();
      await runtime.close();
      podfs.close();
      stopControllers();
      timers.close();
      watches.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
