/**
 * @module
 * Linux namespaces as throwaway test machines: the pods of the kube simulator and the Plex source "VM" run
 * their commands here, so a wrong path fails inside the sandbox as it would on the real machine and can never
 * touch this host, and no host path appears in their output.
 *
 * A sandbox is a process tree under `unshare` (util-linux): its own mount namespace whose root (after
 * pivot_root) is a host directory, its own PID namespace (PID 1 is a tiny python3 reaper, so `pidof` sees only
 * the sandbox's processes), and either its own network/UTS/IPC namespaces (loopback up, so a server in it can
 * listen on its own 127.0.0.1:32400) or those of another sandbox (containers of one pod share the pod's).
 *
 * The root filesystem: every system directory (`usr`, `etc`, … and whatever top-level directory an image layer
 * brings) is an overlay — image layers over the host's directory of that name, with a per-sandbox upper
 * directory, so writes stay in the sandbox like a container's writable layer; merged-/usr symlinks (`/bin` →
 * `usr/bin`) as on the host; private `/tmp`, `/root`, `/run`; a minimal `/dev`; `/proc` of its PID namespace;
 * and bind mounts (volumes) at their paths. `enter()` gives the `nsenter` prefix that runs a command inside
 * (`kubectl exec`, an sshd session). Needs root (CI runs as root), util-linux and /usr/bin/python3.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxMount {
  /** Host path (a directory, or a file for file mounts). */
  source: string;
  /** Absolute path inside the sandbox. */
  target: string;
  readOnly?: boolean;
}

export interface SandboxOptions {
  /** A private host directory for this sandbox (its root, upper and work directories are made inside). */
  dir: string;
  /** Host directories shaped like a root filesystem (an image's own files), topmost first. */
  layers?: string[];
  /** Top-level host directories that form the lowest layer (default usr and etc). */
  hostDirs?: string[];
  mounts?: SandboxMount[];
  hostname?: string;
  /** Join this sandbox's network, UTS and IPC namespaces instead of creating new ones. */
  joinNetworkOf?: number;
  /** Extra lines for /etc/hosts. */
  hosts?: string[];
}

export interface Sandbox {
  /** Host PID of the sandbox's PID 1. */
  pid: number;
  /** Host directory that is the sandbox's `/` (its writable layer; mounts are not visible from the host). */
  rootfs: string;
  /** argv prefix that runs a command inside (as root unless uid/gid), in `cwd` (default `/`). */
  enter(opts?: { uid?: number; gid?: number }): string[];
  /** True until the sandbox has been stopped or has died. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** A network/UTS/IPC namespace holder without a filesystem of its own (a pod's "pause" container). */
export interface NetworkSandbox {
  pid: number;
  alive(): boolean;
  stop(): Promise<void>;
}

const MERGED_USR = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * PID 1 of a sandbox: brings loopback up (SIOCSIFFLAGS, no iproute2 needed) and sets the hostname when asked,
 * says READY, then reaps orphans until killed — so daemons started inside never linger as zombies.
 */
const INIT = String.raw`
import fcntl, os, socket, struct, sys, time
if sys.argv[1] == '1':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flags = struct.unpack('16sH', fcntl.ioctl(s, 0x8913, struct.pack('16sH', b'lo', 0))[:18])[1]
    fcntl.ioctl(s, 0x8914, struct.pack('16sH', b'lo', flags | 1))
if sys.argv[2]:
    socket.sethostname(sys.argv[2])
sys.stdout.write('READY\n'); sys.stdout.flush()
os.close(1)
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.2)
`;

function layerDirs(layers: string[]): Set<string> {
  const out = new Set<string>();
  for (const l of layers) for (const e of readdirSync(l, { withFileTypes: true })) if (e.isDirectory()) out.add(e.name);
  return out;
}

/** Top-level files of the layers (an image's /init), copied into the root; the topmost layer wins. */
function layerFiles(layers: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of layers) {
    for (const e of readdirSync(l, { withFileTypes: true })) {
      if (e.isDirectory() || seen.has(e.name)) continue;
      seen.add(e.name);
      out.push(join(l, e.name));
    }
  }
  return out;
}

/** The shell script that builds the root filesystem inside the new mount namespace, then pivots into it. */
function setupScript(o: SandboxOptions, rootfs: string): string {
  const layers = o.layers ?? [];
  const hostDirs = o.hostDirs ?? ['usr', 'etc'];
  const lines = ['set -eu', `R=${q(rootfs)}`, 'mount --bind "$R" "$R"'];
  const overlaid = new Set([...hostDirs.filter((d) => existsSync(`/${d}`)), ...layerDirs(layers)]);
  for (const link of MERGED_USR) {
    if (overlaid.has(link)) continue;
    const host = `/${link}`;
    if (existsSync(host) && lstatSync(host).isSymbolicLink()) lines.push(`ln -sfn ${q(readlinkSync(host))} "$R/${link}"`);
    else if (existsSync(host) && hostDirs.includes('usr')) overlaid.add(link);
  }
  for (const f of layerFiles(layers)) lines.push(`cp -a ${q(f)} "$R/"`);
  for (const d of overlaid) {
    const lowers = [...layers.map((l) => join(l, d)).filter((p) => existsSync(p)), ...(hostDirs.includes(d) || MERGED_USR.includes(d) ? [`/${d}`] : [])];
    const upper = join(o.dir, 'upper', d);
    const work = join(o.dir, 'work', d);
    mkdirSync(upper, { recursive: true });
    mkdirSync(work, { recursive: true });
    lines.push(`mkdir -p "$R/${d}"`);
    // A single lower with an upper is a valid overlay too; it keeps the host directory read-only underneath.
    lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}`)} "$R/${d}"`);
  }
  lines.push(
    'mkdir -p "$R/proc" "$R/dev" "$R/tmp" "$R/root" "$R/run" "$R/var/tmp"',
    'chmod 1777 "$R/tmp" "$R/var/tmp"; chmod 700 "$R/root"',
    'mount -t proc proc "$R/proc"',
    // As container runtimes do: the kernel's global knobs stay read-only inside.
    'for p in sys sysrq-trigger irq bus; do [ -e "$R/proc/$p" ] && mount --bind "$R/proc/$p" "$R/proc/$p" && mount -o remount,bind,ro "$R/proc/$p"; done',
    'mount -t tmpfs -o mode=755,nosuid devfs "$R/dev"',
    ...DEVICES.map((d) => `touch "$R/dev/${d}" && mount --bind /dev/${d} "$R/dev/${d}"`),
    'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
    'mkdir -p "$R/dev/shm" && mount -t tmpfs -o mode=1777,nosuid,nodev shm "$R/dev/shm"',
    'mount -t tmpfs -o mode=755,nosuid,nodev run "$R/run"',
  );
  if (overlaid.has('etc')) {
    const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...(o.hosts ?? [])];
    lines.push(`printf '%s\\n' ${hosts.map(q).join(' ')} > "$R/etc/hosts"`);
    if (o.hostname) lines.push(`printf '%s\\n' ${q(o.hostname)} > "$R/etc/hostname"`);
  }
  for (const m of o.mounts ?? []) {
    const t = `"$R"${q(m.target)}`;
    lines.push(`if [ -d ${q(m.source)} ]; then mkdir -p ${t}; else mkdir -p "$(dirname ${t})"; [ -e ${t} ] || touch ${t}; fi`);
    lines.push(`mount --bind ${q(m.source)} ${t}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${t}`);
  }
  lines.push('cd "$R"', 'mkdir -p .oldroot', 'pivot_root . .oldroot', 'cd /', 'umount -l /.oldroot', 'rmdir /.oldroot');
  return lines.join('\n');
}

function childPid(parent: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Spawns `argv` and waits for its PID 1 (the forked child of unshare) to say READY. */
function launch(argv: string[], what: string): Promise<{ proc: ChildProcess; pid: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('READY\n')) return;
      const pid = childPid(proc.pid!);
      if (pid) resolve({ proc, pid });
      else reject(new Error(`${what}: no PID 1 under unshare ${proc.pid}`));
    });
    proc.on('error', (e) => reject(new Error(`${what}: ${e.message}`)));
    proc.on('exit', (code, signal) => {
      if (!out.includes('READY\n')) reject(new Error(`${what} failed to start (exit ${code ?? signal}): ${err.trim()}`));
    });
  });
}

function stopper(proc: ChildProcess, pid: number): { alive(): boolean; stop(): Promise<void> } {
  let stopped = false;
  const gone = new Promise<void>((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) r();
    else proc.once('exit', () => r());
  });
  return {
    alive: () => !stopped && proc.exitCode === null && proc.signalCode === null && existsSync(`/proc/${pid}`),
    async stop() {
      stopped = true;
      // unshare --fork ignores SIGTERM while it waits; SIGKILL makes --kill-child take PID 1 (and with it the
      // whole PID namespace) down.
      try {
        proc.kill('SIGKILL');
      } catch {
        // Already gone.
      }
      await gone;
      for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

// setpriv --pdeathsig: if this Node process dies (a killed test run), unshare dies with it, and --kill-child
// then takes the sandbox's PID 1 — and so everything in it — down too: no sandbox outlives its test.
const DIE_WITH_PARENT = ['setpriv', '--pdeathsig', 'KILL', '--'];
const UNSHARE_BASE = ['unshare', '--fork', '--kill-child', '--propagation', 'private'];

export async function startSandbox(o: SandboxOptions): Promise<Sandbox> {
  const rootfs = join(o.dir, 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  const join_ = o.joinNetworkOf;
  const nsArgs = join_
    ? [...DIE_WITH_PARENT, 'nsenter', `--net=/proc/${join_}/ns/net`, `--uts=/proc/${join_}/ns/uts`, `--ipc=/proc/${join_}/ns/ipc`, '--', ...UNSHARE_BASE, '--mount', '--pid']
    : [...DIE_WITH_PARENT, ...UNSHARE_BASE, '--mount', '--pid', '--net', '--uts', '--ipc'];
  const script = `${setupScript(o, rootfs)}\nexec /usr/bin/python3 -c "$1" "$2" "$3"`;
  const argv = [...nsArgs, '--', '/bin/sh', '-c', script, 'sandbox-setup', INIT, join_ ? '0' : '1', join_ ? '' : (o.hostname ?? '')];
  const { proc, pid } = await launch(argv, `sandbox ${o.dir}`);
  const life = stopper(proc, pid);
  return {
    pid,
    rootfs,
    enter(opts = {}) {
      const who = [...(opts.gid !== undefined ? ['-G', String(opts.gid)] : []), ...(opts.uid !== undefined ? ['-S', String(opts.uid)] : [])];
      return ['nsenter', '-t', String(pid), '-m', '-p', '-n', '-u', '-i', '-r', '-w', ...who, '--'];
    },
    ...life,
  };
}

export async function startNetworkSandbox(hostname: string): Promise<NetworkSandbox> {
  const argv = [...DIE_WITH_PARENT, ...UNSHARE_BASE, '--net', '--uts', '--ipc', '--', '/usr/bin/python3', '-c', INIT, '1', hostname];
  const { proc, pid } = await launch(argv, `network sandbox ${hostname}`);
  return { pid, ...stopper(proc, pid) };
}

/** argv prefix that runs a host program (node, python3) inside a sandbox's network namespace only. */
export function inNetworkOf(pid: number): string[] {
  return ['nsenter', `--net=/proc/${pid}/ns/net`, '--'];
}
