/**
 * @module nomad-sim/nodes
 * Client nodes and node drain, after command/agent/node_endpoint.go and nomad/drainer: GET
 * /v1/nodes (NodeListStub), GET /v1/node/:id (404 "node not found"; ID prefixes resolve as
 * Nomad does), POST|PUT /v1/node/:id/drain {DrainSpec:{Deadline,IgnoreSystemJobs}, MarkEligible,
 * Meta} and /v1/node/:id/eligibility {Eligibility}. A drain marks the node ineligible, migrates each
 * running service allocation (old: DesiredTransition.Migrate, stopped; new: placed on another
 * eligible node with PreviousAllocation set, its health tracked as the drainer requires) and ends
 * with DrainStrategy null and the node still ineligible; draining with DrainSpec null and
 * MarkEligible true undrains. Left out: drain deadlines (migration starts at once), system jobs,
 * node pools, node events beyond drain, GC.
 */
import { coded, invalidMethod } from './errors';
import type { RouteDef } from './index';
import { isTerminal } from './job-model';
import { enforceAcl, type Ctx, type Reply } from './server';
import { type Json, nowNs, type SimState } from './state';

export const NODE_ID = 'f6a1e3c4-5b7d-4e8f-9a0b-1c2d3e4f5a6b';

/** Deterministic IDs: node 0 keeps the simulator's historic ID. */
export function nodeId(i: number): string {
  return i === 0 ? NODE_ID : `f6a1e3c4-5b7d-4e8f-9a0b-${(0x1c2d3e4f5a6b + i).toString(16).padStart(12, '0')}`;
}

export function addNode(state: SimState, i: number, datacenter: string, version: string): Json {
  const idx = state.bump('nodes');
  const node: Json = {
    ID: nodeId(i), Name: i === 0 ? 'nomad-sim' : `nomad-sim-${i + 1}`, Datacenter: datacenter, NodeClass: '', NodePool: 'default',
    HTTPAddr: '127.0.0.1:4646', Status: 'ready', StatusDescription: '', SchedulingEligibility: 'eligible', Drain: false, DrainStrategy: null,
    Attributes: { 'nomad.version': version, 'kernel.name': 'linux', 'driver.docker': '1' },
    Drivers: { docker: { Detected: true, Healthy: true, HealthDescription: 'Healthy' } }, Meta: {},
    CSINodePlugins: {}, HostVolumes: null, Events: [{ Message: 'Node registered', Subsystem: 'Cluster', Timestamp: new Date().toISOString(), CreateIndex: idx }],
    CreateIndex: idx, ModifyIndex: idx, LastDrain: null, StatusUpdatedAt: Math.floor(Date.now() / 1000),
  };
  state.nodes.set(String(node.ID), node);
  return node;
}

function stub(n: Json): Json {
  return {
    ID: n.ID, Name: n.Name, Address: '127.0.0.1', Datacenter: n.Datacenter, NodeClass: n.NodeClass, NodePool: n.NodePool, Version: (n.Attributes as Json)['nomad.version'],
    Drain: n.Drain, SchedulingEligibility: n.SchedulingEligibility, Status: n.Status, StatusDescription: n.StatusDescription, Drivers: n.Drivers,
    LastDrain: n.LastDrain, CreateIndex: n.CreateIndex, ModifyIndex: n.ModifyIndex,
  };
}

/** Eligible ready nodes, least-loaded first (a simple spread). */
export function eligibleNodes(state: SimState): Json[] {
  const load = (id: unknown): number => [...state.allocs.values()].filter((a) => a.NodeID === id && !isTerminal(a)).length;
  return [...state.nodes.values()]
    .filter((n) => n.Status === 'ready' && n.SchedulingEligibility === 'eligible')
    .sort((a, b) => load(a.ID) - load(b.ID) || String(a.Name).localeCompare(String(b.Name)));
}

function resolveNode(state: SimState, id: string): Json {
  const exact = state.nodes.get(id);
  if (exact) return exact;
  const byPrefix = [...state.nodes.values()].filter((n) => id.length > 0 && String(n.ID).startsWith(id));
  if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0];
  throw coded(404, byPrefix.length > 1 ? 'Ambiguous node ID prefix' : 'node not found');
}

function event(n: Json, idx: number, message: string): void {
  (n.Events as Json[]).push({ Message: message, Subsystem: 'Drain', Timestamp: new Date().toISOString(), CreateIndex: idx });
}

/** Hook the scheduler provides: stop `alloc` and place its replacement elsewhere. */
export type Migrate = (alloc: Json) => void;

async function drain(ctx: Ctx, n: Json, migrate: Migrate): Promise<Reply> {
  const body = (await ctx.json()) as { DrainSpec?: { Deadline?: number; IgnoreSystemJobs?: boolean } | null; MarkEligible?: boolean; Meta?: Json } | null;
  enforceAcl('write', ctx.identity);
  const { state } = ctx;
  const spec = body?.DrainSpec ?? null;
  if (!spec) {
    const idx = state.bump('nodes');
    Object.assign(n, { Drain: false, DrainStrategy: null, ModifyIndex: idx, ...(body?.MarkEligible ? { SchedulingEligibility: 'eligible' } : {}) });
    event(n, idx, 'Node drain strategy cancelled');
    ctx.setIndex(idx);
    return { body: { EvalIDs: null, EvalCreateIndex: 0, NodeModifyIndex: idx, Index: idx, LastContact: 0, KnownLeader: false } };
  }
  const started = new Date().toISOString();
  const idx = state.bump('nodes');
  Object.assign(n, {
    Drain: true, SchedulingEligibility: 'ineligible', ModifyIndex: idx,
    DrainStrategy: { Deadline: spec.Deadline ?? 3_600_000_000_000, IgnoreSystemJobs: spec.IgnoreSystemJobs ?? false, ForceDeadline: '0001-01-01T00:00:00Z', StartedAt: started },
    LastDrain: { StartedAt: started, UpdatedAt: started, Status: 'draining', AccessorID: '', Meta: body?.Meta ?? null },
  });
  event(n, idx, 'Node drain strategy set');
  for (const a of [...state.allocs.values()]) if (a.NodeID === n.ID && !isTerminal(a) && a.JobType === 'service') migrate(a);
  // The drain is complete once nothing live is left on the node (migrations have been placed).
  state.later(0, () => {
    const done = state.bump('nodes');
    Object.assign(n, { Drain: false, DrainStrategy: null, ModifyIndex: done, LastDrain: { ...(n.LastDrain as Json), Status: 'complete', UpdatedAt: new Date().toISOString() } });
    event(n, done, 'Node drain complete');
  });
  ctx.setIndex(idx);
  return { body: { EvalIDs: [], EvalCreateIndex: idx, NodeModifyIndex: idx, Index: idx, LastContact: 0, KnownLeader: false } };
}

export function nodeRoutes(migrate: Migrate): RouteDef[] {
  return [
    {
      pattern: /^\/v1\/nodes$/,
      acl: 'read',
      handler: (ctx) => {
        if (ctx.method !== 'GET') throw invalidMethod();
        const prefix = ctx.url.searchParams.get('prefix') ?? '';
        return ctx.blocking(['nodes'], () => ({ body: [...ctx.state.nodes.values()].filter((n) => String(n.ID).startsWith(prefix)).map(stub) }));
      },
    },
    {
      pattern: /^\/v1\/node\/([^/]+)(?:\/(drain|eligibility|allocations))?$/,
      acl: 'read',
      handler: async (ctx, [id = '', action]) => {
        const n = resolveNode(ctx.state, id);
        if (!action) {
          if (ctx.method !== 'GET') throw invalidMethod();
          return ctx.blocking(['nodes'], () => ({ body: n }));
        }
        if (action === 'allocations') {
          if (ctx.method !== 'GET') throw invalidMethod();
          return ctx.blocking(['allocs'], () => ({ body: [...ctx.state.allocs.values()].filter((a) => a.NodeID === n.ID) }));
        }
        if (ctx.method !== 'PUT' && ctx.method !== 'POST') throw invalidMethod();
        if (action === 'drain') return drain(ctx, n, migrate);
        const body = (await ctx.json()) as { Eligibility?: string } | null;
        enforceAcl('write', ctx.identity);
        if (body?.Eligibility !== 'eligible' && body?.Eligibility !== 'ineligible') throw coded(400, `invalid scheduling eligibility "${String(body?.Eligibility ?? '')}"`);
        if (n.Drain && body.Eligibility === 'eligible') throw coded(500, 'can not set node\'s scheduling eligibility to eligible while it is draining');
        const idx = ctx.state.bump('nodes');
        Object.assign(n, { SchedulingEligibility: body.Eligibility, ModifyIndex: idx });
        ctx.setIndex(idx);
        return { body: { EvalIDs: null, EvalCreateIndex: 0, NodeModifyIndex: idx, Index: idx, LastContact: 0, KnownLeader: false } };
      },
    },
  ];
}

