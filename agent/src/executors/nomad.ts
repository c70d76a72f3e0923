/**
 * @module
 * Nomad HTTP API client: read-only calls with `X-Nomad-Token` from the agent's environment
 * (NOMAD_TOKEN, or the env var the target names and the policy allows). The token is never
 * logged (the job's redactor also knows it). Errors are Nomad's text/plain bodies.
 */
import type { NomadTarget } from '../../../worker/src/contracts/job-kinds';
import { anySignal, timeoutSignal } from '../abort';
import type { ExecContext, TargetResult } from './types';

export class NomadApiError extends Error {
  override name = 'NomadApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface NomadClientOptions {
  address: string;
  token?: string;
  namespace?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export class NomadClient {
  constructor(private readonly o: NomadClientOptions) {}

  url(path: string, query: Record<string, string> = {}): string {
    const u = new URL(this.o.address.replace(/\/+$/, '') + path);
    if (this.o.namespace) u.searchParams.set('namespace', this.o.namespace);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  async get<T>(path: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.o.token) headers['x-nomad-token'] = this.o.token;
    const timeout = timeoutSignal(this.o.timeoutMs);
    const signal = this.o.signal ? anySignal(timeout, this.o.signal) : timeout;
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(this.url(path), { headers, signal });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      if (this.o.signal?.aborted) throw new NomadApiError('cancelled', 0);
      throw new NomadApiError(e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message ?? 'network error'), 0);
    }
    const text = await res.text();
    if (!res.ok) throw new NomadApiError(`HTTP ${res.status}: ${text.trim().slice(0, 300) || res.statusText}`, res.status);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new NomadApiError('response is not JSON', res.status);
    }
  }
}

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
  const token = ctx.config.env[t.tokenEnv ?? 'NOMAD_TOKEN'];
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
