/**
 * @module nomad-sim/state
 * The simulator's in-memory "raft state": one monotonically increasing index
 * (like Nomad's raft index) plus per-table indexes, which is what blocking
 * queries compare `?index=` against. Writers call `bump(table)`; blocked readers
 * wait on `waitFor`. Entities are stored as the JSON objects the API returns.
 */
import { randomUUID } from 'node:crypto';

export type Json = { [k: string]: unknown };
export type Table = 'jobs' | 'job_summary' | 'allocs' | 'evals' | 'deployment' | 'csi_volumes' | 'namespaces' | 'acl_token' | 'nodes' | 'variables' | 'services';

/** Runs placed allocations (the client side); the default is the timed pending → running → healthy model. */
export interface AllocRunner {
  start(alloc: Json, group: Json, job: Json): void;
  /** The scheduler stopped the allocation: kill its tasks (claims are released by the scheduler). */
  stop(alloc: Json): void;
  close(): Promise<void>;
}

export interface StoredJob {
  job: Json;
  versions: Json[];
  /** Unplaced allocations per task group from the last evaluation. */
  queued: Record<string, number>;
}
export interface Volume extends Json {
  ID: string;
  Namespace: string;
}

export class SimState {
  index = 10;
  readonly tableIndex = new Map<Table, number>();
  readonly namespaces = new Map<string, Json>();
  /** key: `${namespace}/${jobId}` */
  readonly jobs = new Map<string, StoredJob>();
  readonly allocs = new Map<string, Json>();
  readonly evals = new Map<string, Json>();
  readonly deployments = new Map<string, Json>();
  /** key: `${namespace}/${volumeId}` */
  readonly volumes = new Map<string, Volume>();
  /** Client nodes by ID (node 0 is NODE_ID, "nomad-sim"). */
  readonly nodes = new Map<string, Json>();
  /** Nomad Variables, key `${namespace}/${path}`. */
  readonly variables = new Map<string, Json>();
  /** Nomad-native service registrations by registration ID. */
  readonly services = new Map<string, Json>();
  /** Set when allocations run as real processes (process-runner.ts). */
  runner: AllocRunner | undefined;
  /** Known CSI plugin IDs; `undefined` means any plugin ID is accepted. */
  plugins: Set<string> | undefined;
  private waiters = new Set<() => void>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(namespaces: string[], plugins: string[] | undefined) {
    this.plugins = plugins ? new Set(plugins) : undefined;
    for (const name of ['default', ...namespaces]) if (!this.namespaces.has(name)) this.addNamespace(name);
  }

  /** Advances the raft index for the given tables and wakes blocked queries. */
  bump(...tables: Table[]): number {
    this.index += 1;
    for (const t of tables) this.tableIndex.set(t, this.index);
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const w of woken) w();
    return this.index;
  }

  /** Schedules simulated cluster activity; cleared by `stopTimers` on close. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  stopTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  indexOf(...tables: Table[]): number {
    // Nomad floors list indexes at 1 so a blocking query can always be issued.
    return Math.max(1, ...tables.map((t) => this.tableIndex.get(t) ?? 0));
  }

  /** Resolves when any write happens or `ms` elapses (whichever first). */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  addNamespace(name: string, description = ''): Json {
    const idx = this.bump('namespaces');
    const ns: Json = {
      Name: name,
      Description: name === 'default' ? 'Default shared namespace' : description,
      Quota: '',
      Capabilities: null,
      NodePoolConfiguration: null,
      VaultConfiguration: null,
      ConsulConfiguration: null,
      Meta: null,
      CreateIndex: idx,
      ModifyIndex: idx,
    };
    this.namespaces.set(name, ns);
    return ns;
  }

  getJob(ns: string, id: string): StoredJob | undefined {
    return this.jobs.get(`${ns}/${id}`);
  }

  jobAllocs(ns: string, id: string): Json[] {
    return [...this.allocs.values()].filter((a) => a.Namespace === ns && a.JobID === id);
  }

  getVolume(ns: string, id: string): Volume | undefined {
    return this.volumes.get(`${ns}/${id}`);
  }

  /** Seeds a CSI volume directly (bypassing the API), e.g. for claim tests. */
  seedVolume(vol: Partial<Volume> & { ID: string }): Volume {
    const idx = this.bump('csi_volumes');
    const full = blankVolume({ Namespace: 'default', ...vol }, idx);
    this.volumes.set(`${full.Namespace}/${full.ID}`, full);
    return full;
  }
}

export const uuid = (): string => randomUUID();
export const nowNs = (): number => Date.now() * 1e6;

export function blankVolume(v: Partial<Volume> & { ID: string; Namespace: string }, idx: number): Volume {
  const now = nowNs();
  return {
    Name: v.ID,
    ExternalID: '',
    RequestedTopologies: null,
    Topologies: null,
    AccessMode: '',
    AttachmentMode: '',
    MountOptions: null,
    Secrets: null,
    Parameters: null,
    Context: null,
    Capacity: 0,
    RequestedCapacityMin: 0,
    RequestedCapacityMax: 0,
    RequestedCapabilities: null,
    CloneID: '',
    SnapshotID: '',
    ReadAllocs: {},
    WriteAllocs: {},
    Schedulable: true,
    PluginID: '',
    Provider: '',
    ProviderVersion: '',
    ControllerRequired: false,
    ControllersHealthy: 0,
    ControllersExpected: 0,
    NodesHealthy: 1,
    NodesExpected: 1,
    ResourceExhausted: '0001-01-01T00:00:00Z',
    CreateIndex: idx,
    ModifyIndex: idx,
    CreateTime: now,
    ModifyTime: now,
    ...v,
  };
}
