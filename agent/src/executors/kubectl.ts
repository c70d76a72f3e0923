/**
 * @module
 * kubectl executor: the operator's own kubeconfig (KUBECONFIG or ~/.kube/config) and current
 * context unless a context is named; every call bounded by `--request-timeout`.
 */
import type { KubeTarget } from '../../../worker/src/contracts/job-kinds';
import { runProcess, type RunResult } from './process';
import type { ExecContext, ExecutorConfig, TargetResult } from './types';

export function kubectlArgv(cfg: Pick<ExecutorConfig, 'kubectlPath' | 'targetTimeoutMs'>, context: string | undefined, args: readonly string[]): string[] {
  const argv = [cfg.kubectlPath];
  if (context !== undefined) argv.push(`--context=${context}`);
  argv.push(`--request-timeout=${Math.max(1, Math.ceil(cfg.targetTimeoutMs / 1000))}s`, ...args);
  return argv;
}

function run(ctx: ExecContext, argv: string[], capture: boolean): Promise<RunResult> {
  return runProcess({
    argv,
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    timeoutMs: ctx.config.targetTimeoutMs * 2,
    stdout: capture ? 'capture' : 'log',
    captureLimit: 1024 * 1024,
    dryRun: ctx.dryRun,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawn ? { onSpawn: ctx.onSpawn } : {}),
  });
}

const failure = (r: RunResult) => r.spawnError ?? (r.cancelled ? 'cancelled' : r.timedOut ? 'timed out' : `kubectl exit ${r.code ?? r.signal}`);

/** Server version (`kubectl version -o json`) and namespace access (`kubectl auth can-i list pods`). */
export async function checkKube(ctx: ExecContext, t: KubeTarget): Promise<TargetResult> {
  const target = `${t.context ?? '(current context)'}/${t.namespace}`;
  const v = await run(ctx, kubectlArgv(ctx.config, t.context, ['version', '-o', 'json']), true);
  const a = ctx.dryRun || (v.code === 0 && !v.cancelled)
    ? await run(ctx, kubectlArgv(ctx.config, t.context, ['auth', 'can-i', 'list', 'pods', `--namespace=${t.namespace}`]), true)
    : undefined;
  if (ctx.dryRun) return { target, ok: true, detail: 'dry run' };
  if (v.code !== 0) {
    ctx.log.line(`kube ${target}: FAILED: ${failure(v)}`);
    return { target, ok: false, error: failure(v) };
  }
  let version = 'unknown';
  try {
    const parsed = JSON.parse(v.stdout) as { serverVersion?: { gitVersion?: unknown } };
    if (typeof parsed.serverVersion?.gitVersion === 'string') version = parsed.serverVersion.gitVersion;
  } catch {
    /* reported as unknown */
  }
  const answer = a?.stdout.trim().split('\n')[0]?.trim() ?? '';
  if (!a || a.cancelled || answer !== 'yes') {
    // can-i prints "no" or "no - <reason>" (e.g. the namespace does not exist) and exits 1.
    const why = a?.cancelled
      ? 'cancelled'
      : /^no\b/.test(answer)
        ? `no access to namespace ${t.namespace} (kubectl auth can-i list pods: ${answer})`
        : failure(a ?? v);
    ctx.log.line(`kube ${target}: server ${version}; FAILED: ${why}`);
    return { target, ok: false, version, error: why };
  }
  ctx.log.line(`kube ${target}: server ${version}; can list pods in ${t.namespace}`);
  return { target, ok: true, version, detail: 'namespace access ok' };
}
