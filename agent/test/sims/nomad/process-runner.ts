/**
 * @module nomad-sim/process-runner
 * A Nomad client that really runs allocations (AllocRunner): docker tasks become host processes
 * (task-fs.ts) from an image table (support/images.ts) — e.g. the Overseerr stand-in, or the REAL
 * litestream binary for a `restore` prestart task and a `replicate` sidecar. Follows Nomad's task
 * runner: lifecycle (prestart tasks run to completion before the main tasks; prestart sidecars
 * keep running), templates rendered into the task dir (env = true ones feed the env), task
 * events with Nomad's types and messages (Received, Task Setup, Driver, Started, Terminated,
 * Restarting, Not Restarting, Driver Failure, Template, Killing, Killed, Sibling Task Failed),
 * restarts per the group's restart policy, dynamic ports on 127.0.0.1 (AllocatedResources), service
 * registrations, and deployment health from the services' HTTP/TCP checks (or task states).
 * Timings are scaled by options (restart delay, check interval, min_healthy_time, healthy_deadline,
 * kill timeout) so tests stay short. Faults: `failTask` makes the next start(s) of a task exit with
 * a code, hang without ever listening, or fail its image pull.
 * Left out: rescheduling of failed allocations, poststop tasks, artifacts, Vault/Consul, CPU/memory
 * limits, networks other than host ports on 127.0.0.1, drivers other than docker.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { freePort } from '../../../../worker/dev/ports';
import type { ImageSpec } from '../../support/images';
import { isTerminal, tasks } from './job-model';
import { markHealthy, markUnhealthy, refreshJob } from './scheduler';
import type { SimConfig } from './server';
import { registerServices, deregisterServices } from './services';
import { type AllocRunner, type Json, nowNs, type SimState } from './state';
import { allocDirFor, csiDirFor, hostPath, hostPathsInText, launch, type TaskDirs, taskDirs } from './task-fs';
import { renderTemplate, TemplateMissing } from './template';

export interface ProcessRunnerOptions {
  images: Record<string, ImageSpec>;
  dataDir: string;
  restartDelayMs?: number;
  checkIntervalMs?: number;
  minHealthyTimeMs?: number;
  healthyDeadlineMs?: number;
  killTimeoutMs?: number;
}

export interface TaskFault {
  task: string;
  /** Only this job's task (default: any job). */
  job?: string;
  mode: 'exit' | 'hang' | 'pull';
  exitCode?: number;
  message?: string;
  /** How many starts it applies to (default: every start). */
  times?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const durationText = (ns: number): string => {
  const s = Math.round(ns / 1e9);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
};

export class ProcessRunner implements AllocRunner {
  readonly faults: TaskFault[] = [];
  private readonly runs = new Map<string, AllocRun>();
  readonly o: Required<ProcessRunnerOptions>;

  constructor(
    readonly state: SimState,
    readonly config: SimConfig,
    opts: ProcessRunnerOptions,
  ) {
    this.o = { restartDelayMs: 200, checkIntervalMs: 100, minHealthyTimeMs: 100, healthyDeadlineMs: 60_000, killTimeoutMs: 3000, ...opts };
  }

  start(alloc: Json, group: Json, job: Json): void {
    const run = new AllocRun(this, alloc, group, job);
    this.runs.set(String(alloc.ID), run);
    void run.start();
  }

  stop(alloc: Json): void {
    void this.runs.get(String(alloc.ID))?.kill();
  }

  allocDir(allocId: string): string {
    return allocDirFor(this.o.dataDir, allocId);
  }

  takeFault(job: string, task: string): TaskFault | undefined {
    const i = this.faults.findIndex((f) => f.task === task && (f.job === undefined || f.job === job) && (f.times === undefined || f.times > 0));
    const f = this.faults[i];
    if (f?.times !== undefined) f.times -= 1;
    return f;
  }

  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.kill()));
  }
}

interface TaskRun {
  task: Json;
  dirs: TaskDirs;
  image: ImageSpec | undefined;
  child?: ChildProcess;
  exited?: Promise<void>;
}

class AllocRun {
  private stopping = false;
  private failed = false;
  private readonly taskRuns = new Map<string, TaskRun>();
  private ports: Array<{ Label: string; Value: number; To: number; HostIP: string }> = [];

  constructor(
    private readonly runner: ProcessRunner,
    private readonly alloc: Json,
    private readonly group: Json,
    private readonly job: Json,
  ) {}

  private get state(): SimState {
    return this.runner.state;
  }

  private taskState(name: string): Json {
    const states = (this.alloc.TaskStates ??= {}) as Json;
    return (states[name] ??= { State: 'pending', Failed: false, Restarts: 0, LastRestart: '0001-01-01T00:00:00Z', StartedAt: null, FinishedAt: null, Events: [], TaskHandle: null }) as Json;
  }

  private update(): void {
    const idx = this.state.bump('allocs', 'job_summary');
    this.alloc.ModifyIndex = idx;
    this.alloc.ModifyTime = nowNs();
  }

  private event(task: string, type: string, display: string, extra: Json = {}): void {
    (this.taskState(task).Events as Json[]).push({ Type: type, Time: nowNs(), Message: '', DisplayMessage: display, Details: {}, FailsTask: false, ExitCode: 0, Signal: 0, RestartReason: '', DriverError: '', StartDelay: 0, ...extra });
    this.update();
  }

  async start(): Promise<void> {
    const net = ((this.group.Networks as Json[] | null) ?? [])[0];
    for (const p of [...((net?.DynamicPorts as Json[] | null) ?? []), ...((net?.ReservedPorts as Json[] | null) ?? [])]) {
      const value = Number(p.Value) > 0 ? Number(p.Value) : await freePort();
      this.ports.push({ Label: String(p.Label), Value: value, To: Number(p.To ?? 0), HostIP: '127.0.0.1' });
    }
    this.alloc.AllocatedResources = { Shared: { Ports: this.ports, Networks: [{ Mode: 'host', IP: '127.0.0.1', DynamicPorts: this.ports.map((p) => ({ Label: p.Label, Value: p.Value, To: p.To, HostNetwork: 'default' })), ReservedPorts: null }] }, Tasks: {} };
    const ns = String(this.alloc.Namespace);
    const volumes: Record<string, string> = {};
    for (const [alias, v] of Object.entries((this.group.Volumes ?? {}) as Record<string, Json>)) {
      if (v.Type !== 'csi') continue;
      const idx = /\[(\d+)\]$/.exec(String(this.alloc.Name))?.[1] ?? '0';
      volumes[alias] = csiDirFor(this.runner.o.dataDir, ns, v.PerAlloc ? `${String(v.Source)}[${idx}]` : String(v.Source));
    }
    const allocDir = this.runner.allocDir(String(this.alloc.ID));
    const disk = (this.group.EphemeralDisk ?? {}) as Json;
    const prev = String(this.alloc.PreviousAllocation ?? '');
    if (prev && (disk.Migrate || disk.Sticky) && existsSync(join(this.runner.allocDir(prev), 'alloc', 'data'))) {
      mkdirSync(join(allocDir, 'alloc'), { recursive: true });
      cpSync(join(this.runner.allocDir(prev), 'alloc', 'data'), join(allocDir, 'alloc', 'data'), { recursive: true });
    }
    for (const task of tasks(this.group)) {
      const image = this.runner.o.images[String((task.Config as Json | null)?.image ?? '').replace(/:[^/:]*$/, '')];
      this.taskRuns.set(String(task.Name), { task, image, dirs: taskDirs(allocDir, task, volumes, image) });
      this.event(String(task.Name), 'Received', 'Task received by client');
      this.event(String(task.Name), 'Task Setup', 'Building Task Directory', { Message: 'Building Task Directory' });
    }
    const hook = (t: Json): string => String(((t.Lifecycle ?? {}) as Json).Hook ?? '');
    const sidecar = (t: Json): boolean => ((t.Lifecycle ?? {}) as Json).Sidecar === true;
    const prestart = tasks(this.group).filter((t) => hook(t) === 'prestart');
    for (const t of prestart.filter(sidecar)) void this.runTask(t, false);
    const ok = await Promise.all(prestart.filter((t) => !sidecar(t)).map((t) => this.runTask(t, true)));
    if (!ok.every(Boolean) || this.stopping) return;
    for (const t of tasks(this.group).filter((x) => hook(x) !== 'prestart')) void this.runTask(t, false);
    void this.watchHealth();
  }

  private env(tr: TaskRun, templateEnv: Record<string, string>): Record<string, string> {
    const a = this.alloc;
    const env: Record<string, string> = {
      NOMAD_ALLOC_DIR: '/alloc', NOMAD_TASK_DIR: '/local', NOMAD_SECRETS_DIR: '/secrets', NOMAD_ALLOC_ID: String(a.ID), NOMAD_ALLOC_NAME: String(a.Name),
      NOMAD_ALLOC_INDEX: /\[(\d+)\]$/.exec(String(a.Name))?.[1] ?? '0', NOMAD_JOB_ID: String(this.job.ID), NOMAD_JOB_NAME: String(this.job.Name), NOMAD_GROUP_NAME: String(this.group.Name),
      NOMAD_TASK_NAME: String(tr.task.Name), NOMAD_NAMESPACE: String(a.Namespace), NOMAD_DC: this.runner.config.datacenter, NOMAD_REGION: this.runner.config.region,
    };
    for (const p of this.ports) Object.assign(env, { [`NOMAD_PORT_${p.Label}`]: String(p.Value), [`NOMAD_HOST_PORT_${p.Label}`]: String(p.Value), [`NOMAD_IP_${p.Label}`]: '127.0.0.1', [`NOMAD_ADDR_${p.Label}`]: `127.0.0.1:${p.Value}` });
    const interpolate = (v: string): string => v.replace(/\$\{([A-Za-z_][\w.]*)\}/g, (m, k: string) => env[k] ?? m);
    for (const [k, v] of Object.entries((tr.task.Env ?? {}) as Json)) env[k] = interpolate(String(v));
    Object.assign(env, templateEnv);
    const out: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(tr.image?.env ?? {}), ...env };
    const labels = ((tr.task.Config as Json | null)?.ports as string[] | undefined) ?? [];
    for (const p of this.ports) {
      const name = tr.image?.portEnv?.[String(p.To)] ?? tr.image?.portEnv?.[`${p.To}/tcp`];
      if (name && labels.includes(p.Label)) out[name] = String(p.Value);
    }
    if (tr.image?.versionEnv) out[tr.image.versionEnv] = /:([^/:]+)$/.exec(String((tr.task.Config as Json).image))?.[1] ?? 'latest';
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, hostPath(tr.dirs, tr.image, v)]));
  }

  /** Renders templates; resolves their env (env = true). Blocks while a nomadVar is missing. */
  private async templates(tr: TaskRun): Promise<Record<string, string> | undefined> {
    const name = String(tr.task.Name);
    let reportedMissing = '';
    for (;;) {
      if (this.stopping) return undefined;
      try {
        const env: Record<string, string> = {};
        for (const t of (tr.task.Templates as Json[] | null) ?? []) {
          const baseEnv = this.env(tr, {});
          const containerEnv = { ...baseEnv, NOMAD_ALLOC_DIR: '/alloc', NOMAD_TASK_DIR: '/local', NOMAD_SECRETS_DIR: '/secrets' };
          const text = renderTemplate(String(t.EmbeddedTmpl ?? ''), {
            env: containerEnv,
            namespace: String(this.alloc.Namespace),
            region: this.runner.config.region,
            nomadVar: (path) => (this.state.variables.get(`${String(this.alloc.Namespace)}/${path}`)?.Items as Record<string, string> | undefined),
          });
          const dest = normalize(join(tr.dirs.taskDir, String(t.DestPath ?? 'local/template')));
          mkdirSync(dirname(dest), { recursive: true });
          writeFileSync(dest, hostPathsInText(tr.dirs, tr.image, text), { mode: Number.parseInt(String(t.Perms ?? '644'), 8) });
          if (t.Envvars) for (const line of text.split('\n')) { const m = /^\s*([A-Za-z_]\w*)=(.*)$/.exec(line); if (m?.[1]) env[m[1]] = m[2] ?? ''; }
        }
        return env;
      } catch (err) {
        if (!(err instanceof TemplateMissing)) {
          this.event(name, 'Killing', `Template failed: ${err instanceof Error ? err.message : String(err)}`, { FailsTask: true });
          return undefined;
        }
        if (reportedMissing !== err.message) this.event(name, 'Template', err.message);
        reportedMissing = err.message;
        await sleep(this.runner.o.checkIntervalMs);
      }
    }
  }

  /** Runs one task through restarts; resolves whether it ended successfully (prestart: exit 0). */
  private async runTask(task: Json, ephemeral: boolean): Promise<boolean> {
    const name = String(task.Name);
    const tr = this.taskRuns.get(name) as TaskRun;
    const policy = (this.group.RestartPolicy ?? {}) as Json;
    const attempts = Number(policy.Attempts ?? 2);
    let restarts = 0;
    for (;;) {
      if (this.stopping) return false;
      const templateEnv = await this.templates(tr);
      if (templateEnv === undefined) return this.taskFailed(name, false);
      const image = String((task.Config as Json | null)?.image ?? '');
      const fault = this.runner.takeFault(String(this.job.ID), name);
      let code: number | null = null;
      if (task.Driver !== 'docker' || !tr.image || fault?.mode === 'pull') {
        const msg = task.Driver !== 'docker' ? `driver "${String(task.Driver)}" is not supported by the simulator` : `Failed to pull \`${image}\`: Error response from daemon: manifest for ${image} not found: manifest unknown: manifest unknown`;
        this.event(name, 'Driver Failure', msg, { DriverError: msg });
      } else {
        this.event(name, 'Driver', 'Downloading image');
        const env = this.env(tr, templateEnv);
        const cfg = (task.Config ?? {}) as Json;
        const interp = (v: string): string => v.replace(/\$\{([A-Za-z_][\w.]*)\}/g, (m, k: string) => env[k] ?? m);
        const args = [...(cfg.command ? [String(cfg.command)] : []), ...((cfg.args as unknown[] | undefined) ?? []).map((x) => hostPath(tr.dirs, tr.image, interp(String(x))))];
        const argv = fault?.mode === 'exit' ? ['sh', '-c', `echo "$0" >&2; exit ${fault.exitCode ?? 1}`, fault.message ?? 'simulated task failure'] : fault?.mode === 'hang' ? ['sleep', '3600'] : [...tr.image.command, ...args];
        const child = launch(tr.dirs, argv, env);
        tr.child = child;
        const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('close', (c, s) => res({ code: c, signal: s })));
        tr.exited = exit.then(() => undefined);
        await new Promise<void>((res) => { child.once('spawn', () => res()); child.once('error', () => res()); });
        const st = this.taskState(name);
        Object.assign(st, { State: 'running', StartedAt: new Date().toISOString() });
        this.event(name, 'Started', 'Task started by client');
        this.onTaskRunning();
        const r = await exit;
        code = r.code ?? 128 + (r.signal === 'SIGKILL' ? 9 : 15);
        tr.child = undefined;
        if (this.stopping || this.failed) return false;
        this.event(name, 'Terminated', `Exit Code: ${code}`, { ExitCode: code, Details: { exit_code: String(code), signal: '0', oom_killed: 'false' } });
        if (ephemeral && code === 0) {
          Object.assign(this.taskState(name), { State: 'dead', Failed: false, FinishedAt: new Date().toISOString() });
          this.update();
          return true;
        }
      }
      if (restarts >= attempts) {
        this.event(name, 'Not Restarting', `Exceeded allowed attempts ${attempts} in interval ${durationText(Number(policy.Interval ?? 1.8e12))} and mode is "${String(policy.Mode ?? 'fail')}"`, { FailsTask: true, RestartReason: 'Exceeded allowed attempts' });
        return this.taskFailed(name, true);
      }
      restarts++;
      const delay = this.runner.o.restartDelayMs;
      Object.assign(this.taskState(name), { State: 'pending', Restarts: restarts, LastRestart: new Date().toISOString() });
      this.event(name, 'Restarting', `Task restarting in ${(delay / 1000).toFixed(3)}s`, { RestartReason: 'Restart within policy', StartDelay: delay * 1e6 });
      await sleep(delay);
    }
  }

  private onTaskRunning(): void {
    const main = tasks(this.group).filter((t) => ((t.Lifecycle ?? {}) as Json).Hook === undefined || (t.Lifecycle as Json | null) === null);
    if (this.alloc.ClientStatus === 'pending' && main.every((t) => this.taskState(String(t.Name)).State === 'running')) {
      Object.assign(this.alloc, { ClientStatus: 'running', ClientDescription: 'Tasks are running' });
      registerServices(this.state, this.alloc, this.group, this.job, this.ports);
      this.update();
      refreshJob(this.state, String(this.alloc.Namespace), String(this.alloc.JobID));
    }
  }

  private taskFailed(name: string, failsAlloc: boolean): boolean {
    Object.assign(this.taskState(name), { State: 'dead', Failed: true, FinishedAt: new Date().toISOString() });
    this.update();
    if (!failsAlloc || this.failed || this.stopping) return false;
    this.failed = true;
    for (const [other, tr] of this.taskRuns) if (other !== name && tr.child) this.event(other, 'Sibling Task Failed', `Task's sibling "${name}" failed`);
    void this.kill().then(() => {
      Object.assign(this.alloc, { ClientStatus: 'failed', ClientDescription: 'Failed tasks' });
      this.update();
      if (this.alloc.DeploymentStatus) markUnhealthy(this.state, this.alloc);
      refreshJob(this.state, String(this.alloc.Namespace), String(this.alloc.JobID));
    });
    return false;
  }

  private checks(): Array<{ type: string; path: string; port: number }> {
    const services = [...((this.group.Services as Json[] | null) ?? []), ...tasks(this.group).flatMap((t) => (t.Services as Json[] | null) ?? [])];
    return services.flatMap((s) => ((s.Checks as Json[] | null) ?? []).map((c) => ({
      type: String(c.Type),
      path: String(c.Path ?? '/'),
      port: this.ports.find((p) => p.Label === String(c.PortLabel || s.PortLabel))?.Value ?? 0,
    })));
  }

  private async passing(c: { type: string; path: string; port: number }): Promise<boolean> {
    if (c.type === 'http') {
      try {
        const r = await fetch(`http://127.0.0.1:${c.port}${c.path}`, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        return r.status >= 200 && r.status < 300;
      } catch {
        return false;
      }
    }
    if (c.type === 'tcp') return new Promise((res) => { const s = connect(c.port, '127.0.0.1'); s.once('connect', () => { s.destroy(); res(true); }); s.once('error', () => res(false)); });
    return true;
  }

  private async watchHealth(): Promise<void> {
    if (!this.alloc.DeploymentStatus) return;
    const o = this.runner.o;
    const deadline = Date.now() + o.healthyDeadlineMs;
    const byChecks = ((this.group.Update ?? {}) as Json).HealthCheck !== 'task_states';
    let healthySince: number | undefined;
    while (!this.stopping && !this.failed && !isTerminal(this.alloc)) {
      const running = this.alloc.ClientStatus === 'running';
      const ok = running && (!byChecks || (await Promise.all(this.checks().map((c) => this.passing(c)))).every(Boolean));
      healthySince = ok ? (healthySince ?? Date.now()) : undefined;
      if (healthySince !== undefined && Date.now() - healthySince >= o.minHealthyTimeMs) {
        markHealthy(this.state, this.alloc);
        return;
      }
      if (Date.now() > deadline) {
        markUnhealthy(this.state, this.alloc);
        return;
      }
      await sleep(o.checkIntervalMs);
    }
  }

  /** Stops every task: SIGTERM, SIGKILL after the kill timeout. */
  async kill(): Promise<void> {
    this.stopping = true;
    deregisterServices(this.state, String(this.alloc.ID));
    await Promise.all([...this.taskRuns.entries()].map(async ([name, tr]) => {
      const child = tr.child;
      if (!child?.pid) return;
      const timeout = this.runner.o.killTimeoutMs;
      this.event(name, 'Killing', `Sent interrupt. Waiting ${(timeout / 1000).toFixed(0)}s before force killing`);
      const signal = (sig: NodeJS.Signals): void => { try { process.kill(-(child.pid as number), sig); } catch { /* gone */ } };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), timeout);
      await tr.exited;
      clearTimeout(timer);
      Object.assign(this.taskState(name), { State: 'dead', FinishedAt: new Date().toISOString() });
      this.event(name, 'Killed', 'Task successfully killed');
    }));
  }
}

