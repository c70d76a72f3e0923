/**
 * @module docker-host/cli
 * A stand-in `docker` CLI for the test docker host, answering like Docker CLI/Engine 24–27 for the
 * commands the Overseerr jobs run: `inspect` (JSON array; `[]` on stdout plus "Error: No such
 * object: x" and exit 1 for unknown names; `--type`, `-f/--format` with `{{json .X}}`, `{{.X}}`,
 * `{{range .X}}…{{end}}`), `volume inspect|ls`, `start`, `stop [-t N]` (SIGTERM, SIGKILL after the
 * timeout, exit code 143/137 recorded), `rm [-f]`, `ps [-a] [-q] [--filter name=] [--format]`,
 * `logs`, `version`, `compose [-f FILE] config --services`. Errors go to stderr with Docker's
 * wording ("Error response from daemon: No such container: x") and exit 1; while the daemon is
 * marked down every command fails with "Cannot connect to the Docker daemon …". A running
 * container is a real process (its image's command from daemon.json, e.g. the Overseerr stand-in)
 * with container paths in its env rewritten to the mounts' host paths and its published port
 * passed in. State lives in $DOCKER_SIM_STATE (state.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Container, type DockerState, processAlive, processStart, DockerState as State } from './state';
import { renderTemplate } from './template';

class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

const noSuchContainer = (ref: string): CliError => new CliError(`Error response from daemon: No such container: ${ref}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function needContainer(state: DockerState, ref: string): Container {
  const c = state.container(ref);
  if (!c) throw noSuchContainer(ref);
  return c;
}

/** Rewrites container paths under a mount (or the image's own dirs) to host paths. */
function hostPath(state: DockerState, c: Container, value: string): string {
  const mounts = [...c.Mounts].sort((a, b) => b.Destination.length - a.Destination.length);
  for (const m of mounts) if (value === m.Destination || value.startsWith(`${m.Destination}/`)) return m.Source + value.slice(m.Destination.length);
  return value.startsWith('/') ? join(state.dir, 'rootfs', c.Id) + value : value;
}

async function start(state: DockerState, ref: string): Promise<void> {
  const c = needContainer(state, ref);
  if (c.State.Running) return;
  const image = state.daemon().images[c.Config.Image.replace(/:[^/:]*$/, '')];
  if (!image) {
    throw new CliError(`Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: exec: "${c.Path}": executable file not found in $PATH: unknown\nError: failed to start containers: ${ref}`);
  }
  // Image files live in the container's own layer; a mount over their directory hides them.
  for (const [path, content] of Object.entries(image.files ?? {})) {
    if (c.Mounts.some((m) => path.startsWith(`${m.Destination}/`))) continue;
    const target = hostPath(state, c, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const kv of [...Object.entries(image.env ?? {}).map(([k, v]) => `${k}=${v}`), ...c.Config.Env]) {
    const eq = kv.indexOf('=');
    env[kv.slice(0, eq)] = hostPath(state, c, kv.slice(eq + 1));
  }
  if (image.versionEnv) env[image.versionEnv] = /:([^/:]+)$/.exec(c.Config.Image)?.[1] ?? 'latest';
  for (const [port, bindings] of Object.entries(c.HostConfig.PortBindings)) {
    const name = image.portEnv?.[port];
    if (name && bindings[0]) env[name] = bindings[0].HostPort;
  }
  const [cmd = '', ...args] = image.command;
  const log = openSync(c.LogPath, 'a');
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', log, log] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.unref();
  const pid = child.pid ?? 0;
  c.State = { ...c.State, Status: 'running', Running: true, Pid: pid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), FinishedAt: '0001-01-01T00:00:00Z' };
  c.SimPidStart = processStart(pid);
  c.NetworkSettings.Ports = Object.fromEntries(Object.entries(c.HostConfig.PortBindings).map(([p, b]) => [p, b]));
  state.saveContainer(c);
}

async function stop(state: DockerState, ref: string, timeoutS: number): Promise<void> {
  const c = needContainer(state, ref);
  if (!c.State.Running) return;
  const { Pid: pid } = c.State;
  const start0 = c.SimPidStart;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  // The stand-in exits 0 on SIGTERM (as a graceful server does); only a SIGKILL shows as 137.
  let code = 0;
  const deadline = Date.now() + timeoutS * 1000;
  while (processAlive(pid, start0) && Date.now() < deadline) await sleep(50);
  if (processAlive(pid, start0)) {
    signal('SIGKILL');
    code = 137;
    while (processAlive(pid, start0)) await sleep(20);
  }
  c.State = { ...c.State, Status: 'exited', Running: false, Pid: 0, ExitCode: code, FinishedAt: new Date().toISOString() };
  c.SimPidStart = undefined;
  state.saveContainer(c);
}

function statusText(c: Container): string {
  if (c.State.Running) return 'Up';
  if (c.State.Status === 'created') return 'Created';
  return `Exited (${c.State.ExitCode})`;
}

function psRow(c: Container): Record<string, string> {
  const ports = Object.entries(c.HostConfig.PortBindings).flatMap(([p, bs]) => bs.map((b) => `${b.HostIp}:${b.HostPort}->${p}`)).join(', ');
  return { ID: c.Id.slice(0, 12), Image: c.Config.Image, Command: `"${[c.Path, ...c.Args].join(' ')}"`, CreatedAt: c.Created, Status: statusText(c), Ports: c.State.Running ? ports : '', Names: c.Name.slice(1), State: c.State.Status, Labels: Object.entries(c.Config.Labels).map(([k, v]) => `${k}=${v}`).join(',') };
}

/** Splits `args` into flags (with values where the flag takes one) and positionals. */
function parseFlags(args: string[], valued: string[]): { flags: Map<string, string[]>; rest: string[] } {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('-') && a !== '-') {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      const value = valued.includes(name) ? (inline ?? args[++i]) : 'true';
      if (value === undefined) throw new CliError(`flag needs an argument: ${name}`, 125);
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else rest.push(a);
  }
  return { flags, rest };
}

const flag = (f: Map<string, string[]>, ...names: string[]): string | undefined => names.map((n) => f.get(n)?.at(-1)).find((v) => v !== undefined);

function inspect(state: DockerState, args: string[], out: string[]): void {
  const { flags, rest } = parseFlags(args, ['-f', '--format', '--type']);
  if (rest.length === 0) throw new CliError('"docker inspect" requires at least 1 argument.', 1);
  const type = flag(flags, '--type');
  const format = flag(flags, '-f', '--format');
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const ref of rest) {
    const obj = type === 'volume' ? state.volume(ref) : type === 'container' || type === undefined ? (state.container(ref) ?? (type ? undefined : state.volume(ref))) : undefined;
    if (obj) found.push(stripSim(obj));
    else errors.push(type === 'container' ? `Error: No such container: ${ref}` : type === 'volume' ? `Error: No such volume: ${ref}` : `Error: No such object: ${ref}`);
  }
  if (format) for (const o of found) out.push(renderTemplate(format, o));
  else out.push(JSON.stringify(found, undefined, 4));
  if (errors.length) throw new CliError(errors.join('\n'));
}

function stripSim(o: object): object {
  const { SimPidStart: _drop, ...rest } = o as Container;
  return rest;
}

function volumeCmd(state: DockerState, args: string[], out: string[]): void {
  const [sub, ...rest] = args;
  if (sub === 'inspect') {
    const { flags, rest: names } = parseFlags(rest, ['-f', '--format']);
    if (names.length === 0) throw new CliError('"docker volume inspect" requires at least 1 argument.');
    const found = names.map((n) => state.volume(n));
    const format = flag(flags, '-f', '--format');
    const ok = found.filter((v) => v !== undefined);
    if (format) for (const v of ok) out.push(renderTemplate(format, v));
    else out.push(JSON.stringify(ok, undefined, 4));
    const missing = names.filter((_, i) => !found[i]);
    if (missing.length) throw new CliError(missing.map((n) => `Error response from daemon: get ${n}: no such volume`).join('\n'));
    return;
  }
  if (sub === 'ls') {
    const { flags } = parseFlags(rest, ['-f', '--filter', '--format']);
    const vols = state.volumes();
    if (flags.has('-q') || flags.has('--quiet')) out.push(...vols.map((v) => v.Name));
    else out.push(['DRIVER    VOLUME NAME', ...vols.map((v) => `${v.Driver}     ${v.Name}`)].join('\n'));
    return;
  }
  throw new CliError(`docker: 'volume ${sub ?? ''}' is not a docker command.\nSee 'docker volume --help'`);
}

function ps(state: DockerState, args: string[], out: string[]): void {
  const { flags } = parseFlags(args, ['-f', '--filter', '--format', '-n', '--last']);
  let list = state.containers().filter((c) => flags.has('-a') || flags.has('--all') || c.State.Running);
  for (const f of [...(flags.get('-f') ?? []), ...(flags.get('--filter') ?? [])]) {
    const [k, v = ''] = f.split('=', 2);
    if (k === 'name') list = list.filter((c) => c.Name.slice(1).includes(v.replace(/^\^\/?|\$$/g, '')));
    else if (k === 'status') list = list.filter((c) => c.State.Status === v);
    else if (k === 'label') list = list.filter((c) => (v.includes('=') ? c.Config.Labels[v.split('=')[0] ?? ''] === v.split('=')[1] : v in c.Config.Labels));
    else throw new CliError(`Error response from daemon: invalid filter '${k}'`);
  }
  if (flags.has('-q') || flags.has('--quiet')) {
    out.push(...list.map((c) => c.Id.slice(0, 12)));
    return;
  }
  const format = flag(flags, '--format');
  if (format && format !== 'table') {
    out.push(...list.map((c) => renderTemplate(format, psRow(c))));
    return;
  }
  const rows = [['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], ...list.map((c) => { const r = psRow(c); return [r.ID, r.Image, r.Command, 'About a minute ago', r.Status, r.Ports, r.Names] as string[]; })];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  out.push(...rows.map((r) => r.map((cell, i) => cell.padEnd((widths[i] ?? 0) + 3)).join('').trimEnd()));
}

/** `docker compose [-f FILE]... config --services`: the service names of the compose file. */
function compose(state: DockerState, args: string[], out: string[]): void {
  const { flags, rest } = parseFlags(args, ['-f', '--file', '-p', '--project-name']);
  const files = [...(flags.get('-f') ?? []), ...(flags.get('--file') ?? [])];
  if (rest[0] === 'version') {
    out.push('Docker Compose version v2.29.7');
    return;
  }
  const file = files[0] ?? 'docker-compose.yml';
  if (!existsSync(file)) throw new CliError(`open ${file}: no such file or directory`, 14);
  if (rest[0] === 'config' && flags.has('--services')) {
    const services: string[] = [];
    let inServices = false;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^services:\s*$/.test(line)) inServices = true;
      else if (/^\S/.test(line)) inServices = false;
      else if (inServices) {
        const m = /^ {2}([A-Za-z0-9._-]+):\s*$/.exec(line);
        if (m?.[1]) services.push(m[1]);
      }
    }
    out.push(...services);
    return;
  }
  void state;
  throw new CliError(`docker compose ${rest.join(' ')}: not supported by the test docker host`, 125);
}

export async function main(argv: string[], state: DockerState, out: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined || cmd === '--help') {
    out.push('Usage:  docker [OPTIONS] COMMAND');
    return;
  }
  const daemon = state.daemon();
  if (cmd === 'version' && args.includes('--format')) {
    if (daemon.down) throw new CliError('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
    out.push(renderTemplate(args[args.indexOf('--format') + 1] ?? '', { Client: { Version: daemon.serverVersion }, Server: { Version: daemon.serverVersion } }));
    return;
  }
  if (daemon.down) throw new CliError('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
  switch (cmd) {
    case 'version':
      out.push(`Client:\n Version:           ${daemon.serverVersion}\n\nServer: Docker Engine - Community\n Engine:\n  Version:          ${daemon.serverVersion}`);
      return;
    case 'inspect':
      return inspect(state, args, out);
    case 'container':
      if (args[0] === 'inspect') return inspect(state, ['--type', 'container', ...args.slice(1)], out);
      break;
    case 'volume':
      return volumeCmd(state, args, out);
    case 'ps':
      return ps(state, args, out);
    case 'compose':
      return compose(state, args, out);
    case 'start':
    case 'stop':
    case 'rm':
    case 'logs': {
      const { flags, rest } = parseFlags(args, ['-t', '--time', '-s', '--signal', '-n', '--tail']);
      if (rest.length === 0) throw new CliError(`"docker ${cmd}" requires at least 1 argument.`);
      const errors: string[] = [];
      for (const ref of rest) {
        try {
          if (cmd === 'start') await start(state, ref);
          else if (cmd === 'stop') await stop(state, ref, Number(flag(flags, '-t', '--time') ?? 10));
          else if (cmd === 'logs') {
            out.push(readFileSync(needContainer(state, ref).LogPath, 'utf8').replace(/\n$/, ''));
            continue;
          } else {
            const c = needContainer(state, ref);
            if (c.State.Running && !flags.has('-f') && !flags.has('--force')) {
              throw new CliError(`Error response from daemon: cannot remove container "${c.Name}": container is running: stop the container before removing or force remove`);
            }
            if (c.State.Running) await stop(state, ref, 0);
            state.removeContainer(c.Id);
          }
          out.push(ref);
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
      if (errors.length) throw new CliError(errors.join('\n'));
      return;
    }
  }
  throw new CliError(`docker: '${cmd}' is not a docker command.\nSee 'docker --help'`);
}

// Entry point when bundled and run as `docker` on the test host.
if (process.env.DOCKER_SIM_STATE && process.argv[1]?.endsWith('cli.mjs')) {
  const out: string[] = [];
  main(process.argv.slice(2), new State(process.env.DOCKER_SIM_STATE), out)
    .then(() => {
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    })
    .catch((err: unknown) => {
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = err instanceof CliError ? err.code : 1;
    });
}
