/**
 * @module kube-sim/runtime
 * The container runtime behind the simulated kubelet: every pod gets a network sandbox (its own network, UTS
 * and IPC namespaces, loopback up, hostname = pod hostname), every container a filesystem sandbox joined to it
 * (its own mount and PID namespaces: the host's /usr and /etc read-only under an overlay with the image's
 * layers on top, a private writable layer, the pod's volumes at their mount paths). See support/sandbox.ts.
 *
 * Images: the simulator pulls nothing. An image resolver (KubeSimOptions.images) may give an image its own
 * files (layers), entrypoint, cmd, env, workingDir and user; any other image is just the host's /usr and /etc.
 * A container's process is `command`/`args` (or the image's entrypoint/cmd) run inside its sandbox; a container
 * without either stays up idle (the simulator cannot know what an unknown image would run). Its stdout and
 * stderr lines become its `kubectl logs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { startNetworkSandbox, startSandbox, type NetworkSandbox, type Sandbox } from '../../support/sandbox.js';
import type { LogStore } from './logs.js';
import type { PodFilesystems } from './podfs.js';
import type { Container, Pod } from './types.js';

export interface ImageRuntime {
  /** Host directories shaped like a root filesystem (the image's own files), topmost first. */
  layers?: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  uid?: number;
  gid?: number;
}

/** Maps an image reference (e.g. `index.docker.io/plexinc/pms-docker:1.41.6.9685-d301f511a`) to its runtime. */
export type ImageResolver = (image: string) => ImageRuntime | undefined | Promise<ImageRuntime | undefined>;

export interface RunningContainer {
  name: string;
  sandbox: Sandbox;
  env: Record<string, string>;
  workingDir: string;
  uid?: number;
  gid?: number;
  /** The container's main process, when it has one. */
  process?: ChildProcess;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `cd` into the working directory, then exec the command; a missing command is reported on fd 3. */
export const EXEC_WRAPPER = 'cd "$1" 2>/dev/null || cd /; shift; if ! command -v "$1" >/dev/null 2>&1; then printf missing >&3; exit 127; fi; exec 3>&-; exec "$@"';

interface PodEntry {
  pod: Pod;
  net?: NetworkSandbox;
  containers: Map<string, RunningContainer>;
  stopped: boolean;
}

const key = (ns: string, name: string) => `${ns}/${name}`;

export class PodRuntime {
  private readonly pods = new Map<string, PodEntry>();

  constructor(private readonly fs: PodFilesystems, private readonly logs: LogStore, private readonly images: ImageResolver | undefined) {}

  private entry(pod: Pod): PodEntry | undefined {
    const e = this.pods.get(key(pod.metadata.namespace ?? 'default', pod.metadata.name ?? ''));
    return e && e.pod.metadata.uid === pod.metadata.uid ? e : undefined;
  }

  /** Creates the pod's network sandbox. */
  async startPod(pod: Pod): Promise<void> {
    const k = key(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
    const e: PodEntry = { pod, containers: new Map(), stopped: false };
    this.pods.set(k, e);
    const net = await startNetworkSandbox(String(pod.spec.hostname ?? pod.metadata.name ?? 'pod'));
    e.net = net;
    if (e.stopped) await net.stop();
  }

  async image(c: Container): Promise<ImageRuntime> {
    return (c.image && this.images ? await this.images(c.image) : undefined) ?? {};
  }

  /** Starts a container's sandbox (and its process, if it has one); `onExit` hears about the process ending. */
  async startContainer(pod: Pod, c: Container, onExit?: (code: number) => void): Promise<RunningContainer | undefined> {
    const e = this.entry(pod);
    if (!e?.net || e.stopped) return undefined;
    const image = await this.image(c);
    const ns = pod.metadata.namespace ?? 'default';
    const old = e.containers.get(c.name);
    if (old) await old.sandbox.stop();
    const hostname = String(pod.spec.hostname ?? pod.metadata.name ?? '');
    const sandbox = await startSandbox({
      dir: this.fs.containerDir(pod, `${c.name}-${Date.now().toString(36)}`),
      layers: image.layers ?? [],
      mounts: this.fs.mounts(pod, c.name).map((m) => ({ source: m.hostPath, target: m.path, readOnly: m.readOnly })),
      joinNetworkOf: e.net.pid,
      hostname,
      hosts: [`${pod.status?.podIP ?? '127.0.1.1'}\t${hostname}`],
    });
    if (e.stopped || !this.entry(pod)) {
      await sandbox.stop();
      return undefined;
    }
    const env: Record<string, string> = { PATH, HOSTNAME: hostname, HOME: '/root', ...(image.env ?? {}) };
    for (const v of c.env ?? []) if (typeof v.value === 'string') env[v.name] = v.value;
    const sc = (c.securityContext ?? {}) as { runAsUser?: number; runAsGroup?: number };
    const rc: RunningContainer = {
      name: c.name,
      sandbox,
      env,
      workingDir: typeof c.workingDir === 'string' ? c.workingDir : image.workingDir ?? '/',
      ...(sc.runAsUser ?? image.uid) !== undefined ? { uid: sc.runAsUser ?? image.uid } : {},
      ...(sc.runAsGroup ?? image.gid) !== undefined ? { gid: sc.runAsGroup ?? image.gid } : {},
    };
    e.containers.set(c.name, rc);
    const command = c.command ?? image.entrypoint;
    const argv = [...(command ?? []), ...(c.args ?? (c.command ? [] : image.cmd ?? []))];
    if (argv.length > 0) {
      const child = this.spawnIn(rc, argv, ['ignore', 'pipe', 'pipe', 'pipe']);
      rc.process = child;
      this.pipeLogs(ns, pod.metadata.name ?? '', c.name, child);
      child.on('close', (code, signal) => onExit?.(code ?? (signal ? 137 : 1)));
    }
    return rc;
  }

  /** Spawns a command inside a running container (own process group, so it can be killed whole). */
  spawnIn(rc: RunningContainer, argv: string[], stdio: Array<'pipe' | 'ignore'>): ChildProcess {
    const enter = rc.sandbox.enter({ ...(rc.uid !== undefined ? { uid: rc.uid } : {}), ...(rc.gid !== undefined ? { gid: rc.gid } : {}) });
    return spawn(enter[0]!, [...enter.slice(1), '/bin/sh', '-c', EXEC_WRAPPER, 'sh', rc.workingDir, ...argv], {
      env: rc.env,
      detached: true,
      stdio,
    });
  }

  private pipeLogs(ns: string, pod: string, container: string, child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream?.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        if (lines.length) this.logs.append(ns, pod, container, ...lines);
      });
      stream?.on('end', () => buf && this.logs.append(ns, pod, container, buf));
    }
  }

  /** The running container for exec (undefined when it is not running). */
  container(pod: Pod, name: string): RunningContainer | undefined {
    const rc = this.entry(pod)?.containers.get(name);
    return rc?.sandbox.alive() ? rc : undefined;
  }

  /** The pod's network sandbox PID (for probes). */
  networkPid(pod: Pod): number | undefined {
    return this.entry(pod)?.net?.pid;
  }

  /** Stops a finished container's sandbox (init containers). */
  async stopContainer(pod: Pod, name: string): Promise<void> {
    const e = this.entry(pod);
    const rc = e?.containers.get(name);
    if (!rc) return;
    e!.containers.delete(name);
    await rc.sandbox.stop();
  }

  /** Asks the main processes to stop (graceful deletion). */
  terminate(pod: Pod): void {
    for (const rc of this.entry(pod)?.containers.values() ?? []) {
      if (rc.process?.pid && rc.process.exitCode === null) {
        try {
          process.kill(-rc.process.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    }
  }

  /** Kills everything the pod runs and removes its directories (not its PVCs). */
  async stopPod(pod: Pod): Promise<void> {
    const k = key(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
    const e = this.pods.get(k);
    if (!e || e.pod.metadata.uid !== pod.metadata.uid) return;
    e.stopped = true;
    this.pods.delete(k);
    await Promise.all([...e.containers.values()].map((rc) => rc.sandbox.stop()));
    await e.net?.stop();
    this.fs.removePod(pod);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pods.values()].map((e) => this.stopPod(e.pod)));
  }
}
