/**
 * @module
 * What the Overseerr kinds do on their targets: a POSIX `sh -c` script over SSH (the agent's ssh
 * executor, BatchMode, the policy's host-key rule; every value interpolated into a script is
 * single-quoted), the Nomad API client for a target with its token from the agent's environment,
 * and small readers (docker inspect JSON, sqlite3 -json rows, Overseerr's API).
 */
import { nomadTokenEnv, type NomadTarget, type SshTarget } from '../../../../worker/src/contracts/job-kinds';
import { NomadApiError, NomadClient } from '../../executors/nomad-client';
import { runProcess } from '../../executors/process';
import { describeSshTarget, sshArgv } from '../../executors/ssh';
import { sshRule } from '../../policy';
import { StepFailure, type StepContext } from '../types';

/** Single-quotes a value for a POSIX shell. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface RemoteResult {
  code: number | null;
  stdout: string;
}

/** Runs `script` with `sh -c` on `target`; stdout captured, stderr to the job log. */
export async function remote<P>(ctx: StepContext<P>, target: SshTarget, script: string, opts: { input?: string; timeoutMs?: number; quiet?: boolean } = {}): Promise<RemoteResult> {
  const rule = sshRule(ctx.policy, target);
  if (!rule) throw new StepFailure(`ssh target ${describeSshTarget(target)} is not allowed by the agent policy`, 'POLICY_DENIED');
  const r = await runProcess({
    argv: sshArgv(ctx.config, target, rule.hostKeys, [`sh -c ${q(script)}`]),
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    timeoutMs: opts.timeoutMs ?? 120_000,
    stdout: 'capture',
    captureLimit: 16 * 1024 * 1024,
    signal: ctx.signal,
    dryRun: ctx.dryRun,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(ctx.onSpawn ? { onSpawn: ctx.onSpawn } : {}),
  });
  if (r.cancelled) throw new StepFailure('cancelled', 'CANCELLED');
  if (r.spawnError) throw new StepFailure(`ssh could not run: ${r.spawnError}`, 'SSH_FAILED');
  if (r.code === 255) throw new StepFailure(`ssh ${describeSshTarget(target)}: connection or authentication failed (exit 255)`, 'SSH_FAILED');
  if (r.timedOut) throw new StepFailure(`ssh ${describeSshTarget(target)}: timed out`, 'TIMEOUT');
  return { code: r.code, stdout: r.stdout };
}

/** Like {@link remote} but a non-zero exit fails the step with `message`. */
export async function remoteOk<P>(ctx: StepContext<P>, target: SshTarget, script: string, message: string, code = 'REMOTE_FAILED', opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await remote(ctx, target, script, opts);
  if (r.code !== 0 && !ctx.dryRun) throw new StepFailure(`${message} (exit ${r.code})`, code);
  return r.stdout;
}

/**
 * The Nomad API client for a step. Every request is written to the job log as `METHOD url` (a
 * write with its JSON body, abbreviated past 600 characters — the job itself is logged by the step
 * that sends it; the token never), before it is made; a blocking query only the first time per
 * path; `quiet` for a polling loop that describes itself in one line. In a dry run requests are
 * not sent: each answers `null`, so a step reads no result in a dry run.
 */
export function nomadClient<P>(ctx: StepContext<P>, t: NomadTarget, opts: { quiet?: boolean } = {}): NomadClient {
  const token = ctx.config.env[nomadTokenEnv(t)];
  const blocking = new Set<string>();
  const logged: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    const isBlocking = url.searchParams.has('index');
    const body = typeof init?.body === 'string' ? init.body : '';
    if (!opts.quiet && (!isBlocking || !blocking.has(url.pathname))) {
      if (isBlocking) blocking.add(url.pathname);
      const shown = body.length > 600 ? ` (${body.length} bytes of JSON)` : body ? ` ${body}` : '';
      ctx.log.line(`${method} ${url.origin}${url.pathname}${isBlocking ? `?${url.searchParams.toString()} (blocking query, repeated while waiting)` : url.search}${shown}`);
    }
    if (ctx.dryRun) return new Response('null', { status: 200, headers: { 'content-type': 'application/json' } });
    return fetch(input, init);
  };
  return new NomadClient({ address: t.address, timeoutMs: ctx.config.targetTimeoutMs, signal: ctx.signal, fetch: logged, ...(t.namespace ? { namespace: t.namespace } : {}), ...(token ? { token } : {}) });
}

/** Turns a Nomad API error into a step failure that says what to fix. */
export function nomadFailure(err: unknown, what: string, t: NomadTarget): StepFailure {
  if (err instanceof StepFailure) return err;
  if (err instanceof NomadApiError) {
    if (err.status === 403) return new StepFailure(`${what}: Nomad at ${t.address} refused the token (${err.message}); check the token the agent's environment holds for this target (nomad.tokenEnv)`, 'NOMAD_AUTH');
    if (err.status === 0) return new StepFailure(`${what}: Nomad at ${t.address} unreachable: ${err.message}`, 'NOMAD_UNREACHABLE');
    return new StepFailure(`${what}: ${err.message}`, 'NOMAD_ERROR');
  }
  return new StepFailure(`${what}: ${err instanceof Error ? err.message : String(err)}`, 'NOMAD_ERROR');
}

export interface Counts {
  users: number;
  requests: number;
  media: number;
  seasons: number;
  issues: number;
}

export const COUNTS_SQL = `SELECT (SELECT count(*) FROM "user") AS users, (SELECT count(*) FROM "media_request") AS requests, (SELECT count(*) FROM "media") AS media, (SELECT count(*) FROM "season") AS seasons, (SELECT count(*) FROM "issue") AS issues`;

/** Integrity check and row counts of an Overseerr DB on `target` (read-only: the WAL stays as it is). */
export async function dbFacts<P>(ctx: StepContext<P>, target: SshTarget, db: string): Promise<{ integrity: string; counts: Counts }> {
  const integrity = (await remoteOk(ctx, target, `sqlite3 -readonly ${q(db)} 'PRAGMA integrity_check'`, `integrity check of ${db} failed`, 'DB_CHECK_FAILED')).trim();
  const rows = await remoteOk(ctx, target, `sqlite3 -readonly -json ${q(db)} ${q(COUNTS_SQL)}`, `could not count rows in ${db}`, 'DB_CHECK_FAILED');
  const counts = ctx.dryRun ? { users: 0, requests: 0, media: 0, seasons: 0, issues: 0 } : ((JSON.parse(rows) as Counts[])[0] as Counts);
  return { integrity: ctx.dryRun ? 'ok' : integrity, counts };
}

/** GET an Overseerr API path; with `apiKey`, as the admin. Not logged: see {@link overseerrCall}. */
export async function overseerrGet<T>(base: string, path: string, apiKey?: string, timeoutMs = 10_000): Promise<{ status: number; body: T }> {
  const res = await fetch(base.replace(/\/+$/, '') + path, { headers: apiKey ? { 'X-Api-Key': apiKey } : {}, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = text as unknown as T;
  }
  return { status: res.status, body };
}

/** {@link overseerrGet} written to the job log first (`GET url`, and whether the API key goes with it); a dry run only logs it. */
export async function overseerrCall<P, T>(ctx: StepContext<P>, base: string, path: string, apiKey?: string): Promise<{ status: number; body: T | undefined }> {
  ctx.log.line(`GET ${base.replace(/\/+$/, '')}${path}${apiKey !== undefined ? ' (X-Api-Key from settings.json)' : ''}`);
  if (ctx.dryRun) return { status: 0, body: undefined };
  return overseerrGet<T>(base, path, apiKey);
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind on the signal. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
