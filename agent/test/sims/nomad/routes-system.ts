/**
 * @module nomad-sim/routes-system
 * Connectivity-check endpoints: /v1/status/leader and /peers (no ACL),
 * /v1/regions (no ACL), /v1/agent/self (agent:read), /v1/namespaces (filtered by
 * ACL: anonymous sees an empty list, as Namespace.ListNamespaces filters rather
 * than denies), /v1/namespace/:name (404 "Namespace not found"), and
 * /v1/acl/token/self (ACL.WhoAmI: anonymous and ACLs-disabled tokens are
 * returned as objects; unknown secret → 403 "ACL token not found").
 */
import { coded, invalidMethod, permissionDenied, tokenNotFound } from './errors';
import type { Ctx, Reply } from './server';

export function statusLeader(ctx: Ctx): Reply {
  if (ctx.method !== 'GET') throw invalidMethod();
  return { body: '127.0.0.1:4647' };
}

export function statusPeers(ctx: Ctx): Reply {
  if (ctx.method !== 'GET') throw invalidMethod();
  return { body: ['127.0.0.1:4647'] };
}

export function regions(ctx: Ctx): Reply {
  if (ctx.method !== 'GET') throw invalidMethod();
  return { body: [ctx.config.region] };
}

export function agentSelf(ctx: Ctx): Reply {
  if (ctx.method !== 'GET') throw invalidMethod();
  const { version, region, datacenter, aclToken } = ctx.config;
  const name = `nomad-sim.${region}`;
  return {
    body: {
      config: {
        Region: region,
        Datacenter: datacenter,
        NodeName: 'nomad-sim',
        DataDir: '/opt/nomad/data',
        BindAddr: '127.0.0.1',
        Ports: { HTTP: 4646, RPC: 4647, Serf: 4648 },
        ACL: { Enabled: aclToken !== undefined, TokenTTL: 30_000_000_000, PolicyTTL: 30_000_000_000, ReplicationToken: '' },
        Server: { Enabled: true, BootstrapExpect: 1 },
        Client: { Enabled: true, NodePool: 'default' },
        Version: { BuildDate: '2025-01-01T00:00:00Z', Revision: 'simulated', Version: version, VersionMetadata: '', VersionPrerelease: '' },
      },
      member: {
        Name: name,
        Addr: '127.0.0.1',
        Port: 4648,
        Tags: { build: version, region, dc: datacenter, role: 'nomad', port: '4647', bootstrap: '1', expect: '1', vsn: '1', mvn: '1', rpc_addr: '127.0.0.1' },
        Status: 'alive',
        ProtocolMin: 1,
        ProtocolMax: 5,
        ProtocolCur: 2,
        DelegateMin: 2,
        DelegateMax: 5,
        DelegateCur: 4,
      },
      stats: {
        nomad: { server: 'true', leader: 'true', leader_addr: '127.0.0.1:4647', bootstrap: 'false', known_regions: '1' },
        client: { known_servers: '127.0.0.1:4647', num_allocations: String(ctx.state.allocs.size) },
      },
    },
  };
}

export async function namespaces(ctx: Ctx): Promise<Reply> {
  if (ctx.method !== 'GET') throw invalidMethod();
  if (ctx.identity.kind === 'notfound' || ctx.identity.kind === 'invalid') throw permissionDenied();
  return ctx.blocking(['namespaces'], () => {
    const prefix = ctx.url.searchParams.get('prefix') ?? '';
    const visible = ctx.identity.kind !== 'anonymous';
    const list = [...ctx.state.namespaces.values()]
      .filter((n) => visible && String(n.Name).startsWith(prefix))
      .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    return { body: list };
  });
}

export async function namespace(ctx: Ctx, [name]: string[]): Promise<Reply> {
  if (!name) throw coded(400, 'Missing Namespace Name');
  if (ctx.method !== 'GET') throw invalidMethod();
  if (ctx.identity.kind !== 'disabled' && ctx.identity.kind !== 'management') throw permissionDenied();
  return ctx.blocking(['namespaces'], () => {
    const ns = ctx.state.namespaces.get(name);
    if (!ns) throw coded(404, 'Namespace not found');
    return { body: ns };
  });
}

export function aclTokenSelf(ctx: Ctx): Reply {
  if (ctx.method !== 'GET') throw invalidMethod();
  const token = { Roles: null, Hash: null, CreateTime: '0001-01-01T00:00:00Z', ExpirationTime: null, ExpirationTTL: 0, CreateIndex: 0, ModifyIndex: 0 };
  switch (ctx.identity.kind) {
    case 'disabled':
      return { body: { AccessorID: 'acls-disabled', SecretID: '', Name: 'ACLs disabled token', Type: 'client', Policies: null, Global: false, ...token } };
    case 'anonymous':
      return { body: { AccessorID: 'anonymous', SecretID: '', Name: 'Anonymous Token', Type: 'client', Policies: ['anonymous'], Global: false, ...token } };
    case 'notfound':
      throw tokenNotFound();
    case 'invalid':
      throw permissionDenied();
    case 'management':
      ctx.setIndex(8);
      return {
        body: {
          ...token,
          AccessorID: '9c2d1b3a-cbc3-d9a0-3df9-5a382545a819',
          SecretID: ctx.config.aclToken,
          Name: 'Bootstrap Token',
          Type: 'management',
          Policies: null,
          Global: true,
          CreateTime: '2024-01-01T00:00:00Z',
          Hash: 'c2ltdWxhdGVk',
          CreateIndex: 8,
          ModifyIndex: 8,
        },
      };
  }
}
