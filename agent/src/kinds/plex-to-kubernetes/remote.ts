/**
 * @module
 * The two places a Plex move runs commands: the source host (a POSIX shell script over ssh, optionally
 * under `sudo -n`, values always single-quoted) and the cluster (kubectl argv, `exec` into a pod). Both go
 * through the shared executors, so cancel, timeouts, redaction and dry-run behave as for every kind.
 */
import type { PlexSource, PlexTarget } from '../../../../worker/src/contracts/job-kinds';
import { kubectlArgv } from '../../executors/kubectl';
import { runProcess, type RunResult } from '../../executors/process';
import { sshArgv } from '../../executors/ssh';
import { sshRule } from '../../policy';
import { StepFailure, type StepContext } from '../types';

export type Source = PlexSource;
export type Target = PlexTarget | Pick<PlexTarget, 'context' | 'namespace' | 'statefulSet'>;

/** POSIX single-quoting: safe for any string in a shell script. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const PLEX_HOME = '/usr/lib/plexmediaserver';
export const PLEX_SQLITE = `${PLEX_HOME}/Plex SQLite`;
export const PLEX_BINARY = `${PLEX_HOME}/Plex Media Server`;
export const UBUNTU_APP_SUPPORT = '/var/lib/plexmediaserver/Library/Application Support';
export const DB_DIR = 'Plug-in Support/Databases';
export const LIBRARY_DB = 'com.plexapp.plugins.library.db';
export const BLOBS_DB = 'com.plexapp.plugins.library.blobs.db';

const sshTarget = (s: Source) => ({ host: s.host, ...(s.user ? { user: s.user } : {}), ...(s.port ? { port: s.port } : {}) });

export interface RunOpts {
  timeoutMs?: number;
  input?: string;
  /** Fail the step when the command fails (default true). */
  check?: string | false;
  captureLimit?: number;
  /**
   * Runs even when the job is being cancelled (bounded by the timeout): for the clean-up a cancelled step owes
   * (removing a partial copy), which must not be skipped because the job's signal already fired.
   */
  cleanup?: boolean;
}

function fail(what: string, r: RunResult): never {
  const why = r.spawnError ?? (r.cancelled ? 'cancelled' : r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`);
  throw new StepFailure(`${what} failed (${why}); see the job log`, r.cancelled ? 'CANCELLED' : 'COMMAND_FAILED');
}

/** argv that runs `script` with sh on the source (under sudo -n when asked). */
export function sourceArgv(ctx: StepContext<unknown>, source: Source, script: string): string[] {
  const rule = sshRule(ctx.policy, sshTarget(source));
  if (!rule) throw new StepFailure(`ssh target ${source.host} is not allowed by the agent policy`, 'POLICY_DENIED');
  const sh = ['sh', '-c', shq(script)];
  return sshArgv(ctx.config, sshTarget(source), rule.hostKeys, source.sudo === 'sudo-n' ? ['sudo', '-n', '--', ...sh] : sh);
}

/** One command of the move, output captured, failing the step unless `check: false`. */
async function runChecked(ctx: StepContext<unknown>, argv: string[], what: string, o: RunOpts): Promise<RunResult> {
  const r = await runProcess({
    argv,
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    timeoutMs: o.timeoutMs ?? ctx.config.targetTimeoutMs * 6,
    stdout: 'capture',
    captureLimit: o.captureLimit ?? 16 * 1024 * 1024,
    dryRun: ctx.dryRun,
    ...(o.input !== undefined ? { input: o.input } : {}),
    ...(o.cleanup ? {} : { signal: ctx.signal }),
    ...(ctx.onSpawn ? { onSpawn: ctx.onSpawn } : {}),
  });
  if (o.check !== false && (r.code !== 0 || r.cancelled)) fail(o.check ?? what, r);
  return r;
}

export function onSource(ctx: StepContext<unknown>, source: Source, script: string, o: RunOpts = {}): Promise<RunResult> {
  return runChecked(ctx, sourceArgv(ctx, source, script), 'command on the source', o);
}

export function kubeArgv(ctx: StepContext<unknown>, target: Target, args: readonly string[]): string[] {
  return kubectlArgv(ctx.config, target.context, [`--namespace=${target.namespace}`, ...args]);
}

export function kube(ctx: StepContext<unknown>, target: Target, args: readonly string[], o: RunOpts = {}): Promise<RunResult> {
  return runChecked(ctx, kubeArgv(ctx, target, args), `kubectl ${args[0] ?? ''}`, o);
}

/** A shell script run in a pod (`kubectl exec pod -- sh -c script`). */
export const inPod = (ctx: StepContext<unknown>, target: Target, pod: string, script: string, o: RunOpts = {}) =>
  kube(ctx, target, ['exec', ...(o.input !== undefined ? ['-i'] : []), pod, '--', 'sh', '-c', script], o);

export function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new StepFailure(`could not parse ${what}`, 'BAD_OUTPUT');
  }
}

/** Outputs of an earlier step (the runner guarantees earlier steps succeeded). */
export function earlier<T>(ctx: StepContext<unknown>, step: string): T {
  const o = ctx.outputs[step];
  if (!o) throw new StepFailure(`step ${step} has no outputs (run the job from the start)`, 'MISSING_OUTPUTS');
  return o as T;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
