/**
 * @module
 * Nomad checks for `connectivity-check`: leader, version and namespace access through the
 * {@link NomadClient}, with the token from the env var the target names (NOMAD_TOKEN by default).
 */
import { nomadTokenEnv, type NomadTarget } from '../../../worker/src/contracts/job-kinds';
import { NomadApiError, NomadClient } from './nomad-client';
import type { ExecContext, TargetResult } from './types';

export { NomadApiError, NomadClient } from './nomad-client';

interface AgentSelf {
  config?: { Version?: { Version?: string; VersionPrerelease?: string } | string };
  member?: { Tags?: { build?: string } };
}

function versionOf(self: AgentSelf): string {
  const v = self.config?.Version;
  if (typeof v === 'string') return v;
  if (v?.Version) return v.VersionPrerelease ? `${v.Version}-${v.VersionPrerelease}` : v.Version;
  return self.member?.Tags?.build ?? 'unknown';
}

/** Leader (`/v1/status/leader`), version (`/v1/agent/self`) and namespace (`/v1/namespace/:ns`). */
export async function checkNomad(ctx: ExecContext, t: NomadTarget, fetchImpl?: typeof fetch): Promise<TargetResult> {
  const ns = t.namespace ?? 'default';
  const target = `${t.address} (namespace ${ns})`;
  const token = ctx.config.env[nomadTokenEnv(t)];
  const client = new NomadClient({
    address: t.address,
    timeoutMs: ctx.config.targetTimeoutMs,
    ...(token ? { token } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const paths = ['/v1/status/leader', '/v1/agent/self', `/v1/namespace/${encodeURIComponent(ns)}`];
  if (ctx.dryRun) {
    for (const p of paths) ctx.log.line(`GET ${client.url(p)}${token ? ' (with X-Nomad-Token)' : ''}`);
    return { target, ok: true, detail: 'dry run' };
  }
  try {
    ctx.log.line(`GET ${client.url(paths[0] as string)}`);
    const leader = await client.get<string>(paths[0] as string);
    if (!leader) throw new NomadApiError('the cluster has no leader', 200);
    ctx.log.line(`GET ${client.url(paths[1] as string)}`);
    const version = versionOf(await client.get<AgentSelf>(paths[1] as string));
    ctx.log.line(`GET ${client.url(paths[2] as string)}`);
    await client.get<unknown>(paths[2] as string);
    ctx.log.line(`nomad ${target}: leader ${leader}, version ${version}, namespace ${ns} readable`);
    return { target, ok: true, version, detail: `leader ${leader}` };
  } catch (err) {
    const why = err instanceof NomadApiError ? err.message : String(err);
    ctx.log.line(`nomad ${target}: FAILED: ${why}`);
    return { target, ok: false, error: why };
  }
}
