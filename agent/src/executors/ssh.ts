/**
 * @module
 * OpenSSH client executor. Always `BatchMode=yes` (never prompts), host keys checked against
 * known_hosts (`StrictHostKeyChecking=yes`, or `accept-new` only where the policy says so), and
 * command-line `-o` options win over ~/.ssh/config, which is otherwise honoured. The host goes
 * after `--`, so even a validated host can never be parsed as an option.
 */
import type { SshTarget } from '../../../worker/src/contracts/job-kinds';
import { runProcess } from './process';
import type { ExecContext, ExecutorConfig, TargetResult } from './types';

export type HostKeyPolicy = 'strict' | 'accept-new';

export function sshArgv(
  cfg: Pick<ExecutorConfig, 'sshPath' | 'sshConfigFile' | 'targetTimeoutMs'>,
  t: SshTarget,
  hostKeys: HostKeyPolicy,
  remoteCommand: readonly string[],
): string[] {
  const argv = [cfg.sshPath];
  if (cfg.sshConfigFile) argv.push('-F', cfg.sshConfigFile);
  argv.push(
    '-T',
    '-o', 'BatchMode=yes',
    '-o', `StrictHostKeyChecking=${hostKeys === 'accept-new' ? 'accept-new' : 'yes'}`,
    '-o', `ConnectTimeout=${Math.max(1, Math.ceil(cfg.targetTimeoutMs / 1000))}`,
  );
  if (t.port !== undefined) argv.push('-p', String(t.port));
  if (t.user !== undefined) argv.push('-l', t.user);
  argv.push('--', t.host, ...remoteCommand);
  return argv;
}

export const describeSshTarget = (t: SshTarget) => `${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}`;

/** `uname -a` on the target: proves login works and reports the kernel. */
export async function checkSsh(ctx: ExecContext, t: SshTarget, hostKeys: HostKeyPolicy): Promise<TargetResult> {
  const target = describeSshTarget(t);
  const r = await runProcess({
    argv: sshArgv(ctx.config, t, hostKeys, ['uname', '-a']),
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    timeoutMs: ctx.config.targetTimeoutMs * 2,
    stdout: 'capture',
    captureLimit: 64 * 1024,
    dryRun: ctx.dryRun,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onSpawn ? { onSpawn: ctx.onSpawn } : {}),
  });
  if (ctx.dryRun) return { target, ok: true, detail: 'dry run' };
  const uname = r.stdout.trim().split('\n')[0]?.trim() ?? '';
  if (r.cancelled) return { target, ok: false, error: 'cancelled' };
  if (r.code === 0 && uname) {
    ctx.log.line(`ssh ${target}: ${uname}`);
    return { target, ok: true, version: uname };
  }
  const why = r.spawnError ?? (r.timedOut ? 'timed out' : r.code === 255 ? 'ssh connection or authentication failed (exit 255)' : `exit ${r.code ?? r.signal}`);
  ctx.log.line(`ssh ${target}: FAILED: ${why}`);
  return { target, ok: false, error: why };
}
