/**
 * @module nomad-sim/routes-csi
 * CSI volume endpoints after command/agent/csi_endpoint.go and
 * nomad/csi_endpoint.go: PUT /v1/volume/csi/:id (register; POST → 405 on the
 * specific path), PUT /v1/volume/csi/:id/create, GET /v1/volume/csi/:id (404
 * "volume not found"), DELETE /v1/volume/csi/:id[?force] ("volume in use: id"
 * while claimed), DELETE .../delete, GET /v1/volumes?type=csi (CSIVolListStub;
 * no `type` → [], unknown type → 404 "resource not found"). Validation and
 * plugin errors are uncoded RPC errors → 500, as in Nomad. Plugins are modelled
 * as healthy with a controller; `csiPlugins` restricts which IDs exist.
 */
import { z } from 'zod';
import { coded, invalidMethod, multiError, rpcError } from './errors';
import type { RouteDef } from './index';
import { isTerminal } from './job-model';
import { type Ctx, enforceAcl, type Reply } from './server';
import { blankVolume, type Json, nowNs, type Volume } from './state';

const Capability = z.looseObject({ AccessMode: z.string().optional(), AttachmentMode: z.string().optional() });
const VolumeShape = z.looseObject({
  ID: z.string().optional(),
  Name: z.string().optional(),
  Namespace: z.string().optional(),
  ExternalID: z.string().optional(),
  PluginID: z.string().optional(),
  CloneID: z.string().optional(),
  SnapshotID: z.string().optional(),
  RequestedCapabilities: z.array(Capability).nullish(),
  RequestedCapacityMin: z.number().int().optional(),
  RequestedCapacityMax: z.number().int().optional(),
});
const RegisterShape = z.looseObject({ Volumes: z.array(VolumeShape).nullish() });
type VolumeInput = z.infer<typeof VolumeShape>;

async function decodeVolumes(ctx: Ctx): Promise<VolumeInput[]> {
  const body = await ctx.json();
  const r = RegisterShape.safeParse(body);
  if (!r.success) throw coded(400, `json: cannot unmarshal into Go struct field CSIVolumeRegisterRequest.${r.error.issues[0]?.path.join('.') ?? 'Volumes'}`);
  enforceAcl('write', ctx.identity);
  const vols = r.data.Volumes ?? [];
  if (vols.length === 0) throw rpcError('missing volume definition');
  return vols;
}

function validate(ctx: Ctx, v: VolumeInput, ns: string): void {
  const errs: string[] = [];
  if (!v.ID) errs.push('missing volume id');
  if (!v.PluginID) errs.push('missing plugin id');
  if (v.SnapshotID && v.CloneID) errs.push('only one of snapshot_id and clone_id is allowed');
  if (!v.RequestedCapabilities?.length) errs.push('must include at least one capability block');
  if (errs.length) throw rpcError(`validation: ${errs.join(', ')}`);
  const plugins = ctx.state.plugins;
  if (plugins && !plugins.has(String(v.PluginID))) throw rpcError(`no CSI plugin named: ${String(v.PluginID)} could be found`);
  if (!ctx.state.namespaces.has(ns)) throw rpcError(`volume ${String(v.ID)} is in nonexistent namespace ${ns}`);
}

function upsert(ctx: Ctx, v: VolumeInput, ns: string, created: boolean): Volume {
  const existing = ctx.state.getVolume(ns, String(v.ID));
  const idx = ctx.state.index + 1;
  if (existing) {
    const errs: string[] = [];
    if (v.Name && v.Name !== existing.Name) errs.push('volume name cannot be updated');
    if (v.ExternalID && v.ExternalID !== existing.ExternalID) errs.push('volume external ID cannot be updated');
    if (v.PluginID !== existing.PluginID) errs.push('volume plugin ID cannot be updated');
    if (errs.length) throw rpcError(`unable to update volume: ${multiError(errs)}`);
    Object.assign(existing, {
      RequestedCapabilities: v.RequestedCapabilities,
      RequestedCapacityMin: v.RequestedCapacityMin ?? existing.RequestedCapacityMin,
      RequestedCapacityMax: v.RequestedCapacityMax ?? existing.RequestedCapacityMax,
      ModifyIndex: idx,
      ModifyTime: nowNs(),
    });
    return existing;
  }
  const vol = blankVolume({ ...(v as Json), ID: String(v.ID), Namespace: ns }, idx);
  vol.Name = v.Name || vol.ID;
  vol.Provider = `${String(v.PluginID)}.csi.simulated`;
  vol.ProviderVersion = '1.0.0';
  vol.ControllerRequired = true;
  vol.ControllersHealthy = 1;
  vol.ControllersExpected = 1;
  vol.ReadAllocs = {};
  vol.WriteAllocs = {};
  if (created) {
    vol.ExternalID = v.ExternalID || `vol-${vol.ID}-${idx}`;
    vol.Capacity = v.RequestedCapacityMin ?? 1024 ** 3;
  }
  ctx.state.volumes.set(`${ns}/${vol.ID}`, vol);
  return vol;
}

async function register(ctx: Ctx, created: boolean): Promise<Reply> {
  const vols = await decodeVolumes(ctx);
  for (const v of vols) {
    const ns = v.Namespace || ctx.namespace;
    validate(ctx, v, ns);
    const existing = ctx.state.getVolume(ns, String(v.ID));
    if (created && existing && existing.ExternalID && v.ExternalID && v.ExternalID !== existing.ExternalID)
      throw rpcError('volume identity cannot be updated: ' + String(v.ID));
  }
  const out = vols.map((v) => upsert(ctx, v, v.Namespace || ctx.namespace, created));
  const idx = ctx.state.bump('csi_volumes');
  ctx.setIndex(idx);
  return { body: { Volumes: out.map((v) => render(ctx, v)), Warnings: '', Index: idx, LastContact: 0, KnownLeader: false, NextToken: '' } };
}

/** Volume as CSIVolume.Get returns it: claims denormalised to allocation objects. */
function render(ctx: Ctx, v: Volume): Json {
  const fill = (claims: Json): Json => Object.fromEntries(Object.keys(claims).map((id) => [id, ctx.state.allocs.get(id) ?? null]));
  return { ...v, ReadAllocs: fill(v.ReadAllocs as Json), WriteAllocs: fill(v.WriteAllocs as Json) };
}

function liveClaims(ctx: Ctx, claims: Json): number {
  return Object.keys(claims).filter((id) => {
    const a = ctx.state.allocs.get(id);
    return !a || !isTerminal(a);
  }).length;
}

function listStub(ctx: Ctx, v: Volume): Json {
  return {
    ID: v.ID, Namespace: v.Namespace, Name: v.Name, ExternalID: v.ExternalID, Topologies: v.Topologies, AccessMode: v.AccessMode,
    AttachmentMode: v.AttachmentMode, CurrentReaders: liveClaims(ctx, v.ReadAllocs as Json), CurrentWriters: liveClaims(ctx, v.WriteAllocs as Json),
    Schedulable: v.Schedulable, PluginID: v.PluginID, Provider: v.Provider, ControllerRequired: v.ControllerRequired,
    ControllersHealthy: v.ControllersHealthy, ControllersExpected: v.ControllersExpected, NodesHealthy: v.NodesHealthy, NodesExpected: v.NodesExpected,
    ResourceExhausted: v.ResourceExhausted, CreateIndex: v.CreateIndex, ModifyIndex: v.ModifyIndex, CreateTime: v.CreateTime, ModifyTime: v.ModifyTime,
  };
}

function list(ctx: Ctx): Promise<Reply> | Reply {
  if (ctx.method === 'PUT' || ctx.method === 'POST') return register(ctx, false);
  if (ctx.method !== 'GET') throw invalidMethod();
  const type = ctx.url.searchParams.get('type');
  if (type === null) return { body: [] };
  if (type === 'host') return { body: [] };
  if (type !== 'csi') throw coded(404, 'resource not found');
  enforceAcl('read', ctx.identity);
  const prefix = ctx.url.searchParams.get('prefix') ?? '';
  const plugin = ctx.url.searchParams.get('plugin_id');
  return ctx.blocking(['csi_volumes'], () => ({
    body: [...ctx.state.volumes.values()]
      .filter((v) => (ctx.namespace === '*' || v.Namespace === ctx.namespace) && v.ID.startsWith(prefix) && (!plugin || v.PluginID === plugin))
      .sort((a, b) => a.ID.localeCompare(b.ID))
      .map((v) => listStub(ctx, v)),
  }));
}

function deregister(ctx: Ctx, id: string, deleteExternal: boolean): Reply {
  const raw = ctx.url.searchParams.get('force');
  let force = false;
  if (!deleteExternal && raw) {
    if (!['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) throw coded(400, 'invalid force value');
    force = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw);
  }
  enforceAcl('write', ctx.identity);
  const vol = ctx.state.getVolume(ctx.namespace, id);
  if (!vol) throw rpcError(`volume not found: ${id}`);
  const inUse = Object.keys(vol.ReadAllocs as Json).length + Object.keys(vol.WriteAllocs as Json).length > 0;
  // volSafeToForce: forcing only helps once every claiming alloc is terminal.
  const safe = force && Object.keys({ ...(vol.ReadAllocs as Json), ...(vol.WriteAllocs as Json) }).every((a) => {
    const alloc = ctx.state.allocs.get(a);
    return !alloc || isTerminal(alloc);
  });
  if (inUse && !safe) throw rpcError(`volume in use: ${id}`);
  ctx.state.volumes.delete(`${ctx.namespace}/${id}`);
  ctx.setIndex(ctx.state.bump('csi_volumes'));
  return undefined;
}

function volumeSpecific(ctx: Ctx, [rest = '']: string[]): Promise<Reply> | Reply {
  const [id = '', action, ...extra] = rest.split('/');
  if (extra.length) throw coded(404, 'resource not found');
  if (action === undefined) {
    switch (ctx.method) {
      case 'GET':
        enforceAcl('read', ctx.identity);
        return ctx.blocking(['csi_volumes', 'allocs'], () => {
          const vol = ctx.state.getVolume(ctx.namespace, id);
          if (!vol) throw coded(404, 'volume not found');
          return { body: render(ctx, vol) };
        });
      case 'PUT':
        return register(ctx, false);
      case 'DELETE':
        return deregister(ctx, id, false);
      default:
        throw invalidMethod();
    }
  }
  if (ctx.method === 'PUT' && action === 'create') return register(ctx, true);
  if (ctx.method === 'DELETE' && action === 'delete') return deregister(ctx, id, true);
  if (ctx.method === 'DELETE' && action === 'detach') {
    if (!ctx.url.searchParams.get('node')) throw coded(400, 'detach requires node ID');
    enforceAcl('write', ctx.identity);
    return undefined;
  }
  if (ctx.method !== 'PUT' && ctx.method !== 'DELETE') throw invalidMethod();
  throw coded(404, 'resource not found');
}

/** GET /v1/plugin/csi/:id (structs.CSIPlugin, simplified): healthy on every node; 404 "plugin not found". */
function plugin(ctx: Ctx, [id = '']: string[]): Reply {
  if (ctx.method !== 'GET') throw invalidMethod();
  enforceAcl('read', ctx.identity);
  if (ctx.state.plugins && !ctx.state.plugins.has(id)) throw coded(404, 'plugin not found');
  const nodes = Math.max(1, ctx.state.nodes.size);
  ctx.setIndex(ctx.state.indexOf('csi_volumes'));
  return {
    body: {
      ID: id, Provider: `${id}.csi.simulated`, Version: '1.0.0', ControllerRequired: true, ControllersHealthy: 1, ControllersExpected: 1,
      NodesHealthy: nodes, NodesExpected: nodes, Controllers: {}, Nodes: {}, Allocations: [], CreateIndex: 1, ModifyIndex: 1,
    },
  };
}

export const volumeRoutes: RouteDef[] = [
  { pattern: /^\/v1\/plugin\/csi\/([^/]+)$/, acl: 'none', handler: plugin },
  { pattern: /^\/v1\/volumes$/, acl: 'none', handler: list },
  { pattern: /^\/v1\/volume\/csi\/(.+)$/, acl: 'none', handler: volumeSpecific },
];
