/**
 * @module docker-host/state
 * The stand-in Docker "daemon" state the `docker` CLI stand-in reads and writes: one directory
 * (`$DOCKER_SIM_STATE`) holding daemon.json (images → how to run them, daemon up/down), one JSON
 * document per container in `docker inspect`'s shape (Engine API ContainerJSON: Id, Name, Image,
 * Config, HostConfig, Mounts, State …) and volumes under volumes/<name>/_data like
 * /var/lib/docker/volumes. Container processes are real processes; a container is "running" while
 * its recorded PID is alive with the same start time (so a recycled PID is never mistaken for it).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSpec } from '../../support/images';

export type { ImageSpec } from '../../support/images';

export interface Daemon {
  /** "Cannot connect to the Docker daemon" while true. */
  down?: boolean;
  serverVersion: string;
  /** Image repository (no tag) → how to run it. */
  images: Record<string, ImageSpec>;
}

export interface Mount {
  Type: 'volume' | 'bind';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerState {
  Status: 'created' | 'running' | 'exited';
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface Container {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  Name: string;
  RestartCount: number;
  LogPath: string;
  HostConfig: { Binds: string[] | null; PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>; RestartPolicy: { Name: string; MaximumRetryCount: number } };
  Mounts: Mount[];
  Config: { Hostname: string; Image: string; Env: string[]; Cmd: string[] | null; WorkingDir: string; ExposedPorts: Record<string, object>; Labels: Record<string, string> };
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
  /** Stand-in bookkeeping (not in Docker's document): the process start time that goes with Pid. */
  SimPidStart?: string;
}

export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
}

export class DockerState {
  constructor(readonly dir: string) {}

  private file(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  private write(path: string, value: unknown): void {
    // Atomic replace: concurrent CLI calls never read half a document.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, undefined, 2));
    renameSync(tmp, path);
  }

  daemon(): Daemon {
    return JSON.parse(readFileSync(this.file('daemon.json'), 'utf8')) as Daemon;
  }

  saveDaemon(d: Daemon): void {
    this.write(this.file('daemon.json'), d);
  }

  containers(): Container[] {
    const dir = this.file('containers');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.refresh(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Container));
  }

  /** By name (with or without the leading slash), full ID or unique ID prefix (≥ 1 char), as Docker resolves. */
  container(ref: string): Container | undefined {
    const all = this.containers();
    const byName = all.find((c) => c.Name === `/${ref.replace(/^\//, '')}`);
    if (byName) return byName;
    const byId = all.filter((c) => ref.length > 0 && c.Id.startsWith(ref));
    return byId.length === 1 ? byId[0] : undefined;
  }

  saveContainer(c: Container): void {
    mkdirSync(this.file('containers'), { recursive: true });
    this.write(this.file('containers', `${c.Id}.json`), c);
  }

  removeContainer(id: string): void {
    rmSync(this.file('containers', `${id}.json`), { force: true });
    rmSync(this.file('rootfs', id), { recursive: true, force: true });
  }

  volume(name: string): Volume | undefined {
    const f = this.file('volumes', `${name}.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Volume) : undefined;
  }

  volumes(): Volume[] {
    const dir = this.file('volumes');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Volume);
  }

  createVolume(name: string): Volume {
    const existing = this.volume(name);
    if (existing) return existing;
    const mountpoint = this.file('volumes', name, '_data');
    mkdirSync(mountpoint, { recursive: true });
    const v: Volume = { CreatedAt: new Date().toISOString(), Driver: 'local', Labels: null, Mountpoint: mountpoint, Name: name, Options: null, Scope: 'local' };
    this.write(this.file('volumes', `${name}.json`), v);
    return v;
  }

  /** Folds a dead process into the container's state (Docker notices its exit). */
  refresh(c: Container): Container {
    if (c.State.Running && !processAlive(c.State.Pid, c.SimPidStart)) {
      c.State = { ...c.State, Status: 'exited', Running: false, Pid: 0, FinishedAt: new Date().toISOString(), ExitCode: c.State.ExitCode || 0 };
      c.SimPidStart = undefined;
      this.saveContainer(c);
    }
    return c;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks); undefined if gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); a zombie has exited.
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number, start: string | undefined): boolean {
  return pid > 0 && start !== undefined && processStart(pid) === start;
}
