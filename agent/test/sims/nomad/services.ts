/**
 * @module nomad-sim/services
 * Nomad-native service discovery (command/agent/service_registration_endpoint.go): a running
 * allocation registers each service of its group and tasks with its port's address; GET /v1/services
 * lists {Namespace, Services:[{ServiceName, Tags}]}, GET /v1/service/:name the registrations
 * (ID, ServiceName, Namespace, NodeID, Datacenter, JobID, AllocID, Tags, Address, Port). Services
 * with `provider = "consul"` are registered here too (the simulator has no Consul) — a deviation.
 */
import { invalidMethod } from './errors';
import type { RouteDef } from './index';
import { tasks } from './job-model';
import type { Ctx, Reply } from './server';
import type { Json, SimState } from './state';

export function registerServices(state: SimState, alloc: Json, group: Json, job: Json, ports: Array<{ Label: string; Value: number }>): void {
  const all = [...((group.Services as Json[] | null) ?? []).map((s) => ({ s, owner: `group-${String(group.Name)}` })), ...tasks(group).flatMap((t) => ((t.Services as Json[] | null) ?? []).map((s) => ({ s, owner: String(t.Name) })))];
  if (all.length === 0) return;
  const idx = state.bump('services');
  for (const { s, owner } of all) {
    const port = ports.find((p) => p.Label === String(s.PortLabel ?? ''))?.Value ?? 0;
    const name = String(s.Name ?? `${String(job.ID)}-${String(group.Name)}`);
    const id = `_nomad-task-${String(alloc.ID)}-${owner}-${name}-${String(s.PortLabel ?? '')}`;
    state.services.set(id, {
      ID: id, ServiceName: name, Namespace: alloc.Namespace, NodeID: alloc.NodeID, Datacenter: job.Datacenters ? ((job.Datacenters as string[])[0] ?? 'dc1') : 'dc1',
      JobID: alloc.JobID, AllocID: alloc.ID, Tags: (s.Tags as string[] | null) ?? [], Address: '127.0.0.1', Port: port, CreateIndex: idx, ModifyIndex: idx,
    });
  }
}

export function deregisterServices(state: SimState, allocId: string): void {
  const gone = [...state.services.values()].filter((r) => r.AllocID === allocId);
  if (gone.length === 0) return;
  for (const r of gone) state.services.delete(String(r.ID));
  state.bump('services');
}

function list(ctx: Ctx): Promise<Reply> {
  if (ctx.method !== 'GET') throw invalidMethod();
  return ctx.blocking(['services'], () => {
    const byNs = new Map<string, Map<string, Set<string>>>();
    for (const r of ctx.state.services.values()) {
      if (ctx.namespace !== '*' && r.Namespace !== ctx.namespace) continue;
      const ns = byNs.get(String(r.Namespace)) ?? new Map<string, Set<string>>();
      const tags = ns.get(String(r.ServiceName)) ?? new Set<string>();
      for (const t of r.Tags as string[]) tags.add(t);
      ns.set(String(r.ServiceName), tags);
      byNs.set(String(r.Namespace), ns);
    }
    return { body: [...byNs].map(([Namespace, svc]) => ({ Namespace, Services: [...svc].map(([ServiceName, tags]) => ({ ServiceName, Tags: [...tags].sort() })) })) };
  });
}

function one(ctx: Ctx, [name = '']: string[]): Promise<Reply> {
  if (ctx.method !== 'GET') throw invalidMethod();
  return ctx.blocking(['services'], () => ({
    body: [...ctx.state.services.values()].filter((r) => r.ServiceName === name && (ctx.namespace === '*' || r.Namespace === ctx.namespace)),
  }));
}

export const serviceRoutes: RouteDef[] = [
  { pattern: /^\/v1\/services$/, acl: 'read', handler: list },
  { pattern: /^\/v1\/service\/([^/]+)$/, acl: 'read', handler: one },
];
