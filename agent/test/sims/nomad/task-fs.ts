/**
 * @module nomad-sim/task-fs
 * The client side of a docker task, without Docker: the allocation directory as Nomad lays it out
 * (alloc/{data,logs,tmp}, <task>/{local,secrets,tmp}, logs as alloc/logs/<task>.stdout.0), the
 * container's mounts (/alloc, /local, /secrets, volume_mount → the CSI volume's host directory,
 * docker `mount`/`volumes` binds relative to the task dir, files the image ships), and a launcher
 * that runs the image's host command in a private mount namespace (`unshare -m`) where those
 * mounts are real bind mounts under a per-task root — so nested mounts (a bind at /app/config/db
 * inside the config volume) behave as in a container. Container paths in args, env and rendered
 * templates are rewritten to paths under that root (the process sees host paths, not /alloc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import type { ImageSpec } from '../../support/images';
import type { Json } from './state';

export interface Bind {
  /** Container path. */
  target: string;
  /** Host path. */
  source: string;
}

export interface TaskDirs {
  allocDir: string;
  taskDir: string;
  root: string;
  binds: Bind[];
  stdout: string;
  stderr: string;
}

const BASE_DIRS = ['/alloc', '/local', '/secrets'];

export function allocDirFor(dataDir: string, allocId: string): string {
  return join(dataDir, 'allocs', allocId);
}

export function csiDirFor(dataDir: string, namespace: string, volumeId: string): string {
  return join(dataDir, 'csi', namespace, volumeId);
}

/** Builds the task's directories and mount table. `volumes` maps a group volume alias to its host dir. */
export function taskDirs(allocDir: string, task: Json, volumes: Record<string, string>, image: ImageSpec | undefined): TaskDirs {
  const name = String(task.Name);
  const taskDir = join(allocDir, name);
  for (const d of ['alloc/data', 'alloc/logs', 'alloc/tmp']) mkdirSync(join(allocDir, d), { recursive: true });
  for (const d of ['local', 'secrets', 'tmp', 'rootfs']) mkdirSync(join(taskDir, d), { recursive: true });
  const root = join(taskDir, 'rootfs');
  const binds: Bind[] = [
    { target: '/alloc', source: join(allocDir, 'alloc') },
    { target: '/local', source: join(taskDir, 'local') },
    { target: '/secrets', source: join(taskDir, 'secrets') },
  ];
  for (const vm of (task.VolumeMounts as Json[] | null) ?? []) {
    const src = volumes[String(vm.Volume)];
    if (src) binds.push({ target: String(vm.Destination), source: src });
  }
  const config = (task.Config ?? {}) as Json;
  const hostSide = (p: string): string => (p.startsWith('/') ? p : resolve(taskDir, p));
  for (const m of (config.mount as Json[] | undefined) ?? []) if (m.type === undefined || m.type === 'bind') binds.push({ target: String(m.target), source: hostSide(String(m.source)) });
  for (const v of (config.volumes as string[] | undefined) ?? []) {
    const [src = '', dst = ''] = v.split(':');
    binds.push({ target: dst, source: hostSide(src) });
  }
  for (const b of binds) mkdirSync(b.source, { recursive: true });
  // Files the image ships live in the container layer; a bind over their directory hides them.
  for (const [path, content] of Object.entries(image?.files ?? {})) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const logs = join(allocDir, 'alloc', 'logs');
  return { allocDir, taskDir, root, binds: binds.sort((a, b) => a.target.length - b.target.length), stdout: join(logs, `${name}.stdout.0`), stderr: join(logs, `${name}.stderr.0`) };
}

/** Rewrites a container path (or `--flag=/container/path`) to the host path under the task root. */
export function hostPath(dirs: TaskDirs, image: ImageSpec | undefined, value: string): string {
  const prefixes = [...BASE_DIRS, ...dirs.binds.map((b) => b.target), ...Object.keys(image?.files ?? {}).map((f) => dirname(f))];
  const one = (v: string): string => (prefixes.some((p) => v === p || v.startsWith(`${p}/`)) ? normalize(dirs.root + v) : v);
  const eq = value.indexOf('=');
  return value.startsWith('/') ? one(value) : eq > 0 && value[eq + 1] === '/' ? value.slice(0, eq + 1) + one(value.slice(eq + 1)) : value;
}

/** Rewrites container paths inside a rendered template (they appear after whitespace, quotes, = or :). */
export function hostPathsInText(dirs: TaskDirs, image: ImageSpec | undefined, text: string): string {
  const prefixes = [...new Set([...BASE_DIRS, ...dirs.binds.map((b) => b.target)])].sort((a, b) => b.length - a.length);
  const alt = prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return text.replace(new RegExp(`(^|[\\s"'=:,\\[])((?:${alt})(?:/[^\\s"',\\]]*)?)`, 'gm'), (_m, lead: string, path: string) => lead + hostPath(dirs, image, path));
}

const shQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** Starts `argv` with the task's binds in a private mount namespace; stdout/stderr append to the task's log files. */
export function launch(dirs: TaskDirs, argv: string[], env: Record<string, string>): ChildProcess {
  const script = ['set -e', ...dirs.binds.map((b) => `mkdir -p ${shQuote(dirs.root + b.target)} && mount --bind ${shQuote(b.source)} ${shQuote(dirs.root + b.target)}`), 'exec "$@"'].join('\n');
  const out = openSync(dirs.stdout, 'a');
  const err = openSync(dirs.stderr, 'a');
  try {
    return spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv], { env, cwd: dirs.taskDir, detached: true, stdio: ['ignore', out, err] });
  } finally {
    closeSync(out);
    closeSync(err);
  }
}
