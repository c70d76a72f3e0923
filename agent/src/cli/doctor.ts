/**
 * @module
 * `doctor`: one PASS/WARN/FAIL line per check — config, policy file, ssh and kubectl binaries,
 * every target the policy allows (the same executors jobs use, read-only), and the worker's
 * /healthz. Exit 1 if anything failed.
 */
import { JobLog } from '../logs/job-log';
import { Redactor, secretsFromEnv } from '../logs/redact';
import type { AgentConfig } from '../config';
import { checkKube } from '../executors/kubectl';
import { checkNomad } from '../executors/nomad';
import { runProcess } from '../executors/process';
import { checkSsh, describeSshTarget } from '../executors/ssh';
import type { ExecContext } from '../executors/types';
import { loadPolicy, type Policy } from '../policy';
import { timeoutSignal } from '../abort';
import type { Io } from './io';

type Mark = 'PASS' | 'WARN' | 'FAIL';

export async function doctorCommand(cfg: AgentConfig, io: Io, fetchImpl: typeof fetch = fetch): Promise<number> {
  let failed = 0;
  const report = (mark: Mark, what: string, detail: string) => {
    if (mark === 'FAIL') failed++;
    io.out(`${mark}  ${what}: ${detail}`);
  };
  const details: string[] = [];
  const secrets = [...secretsFromEnv(cfg.env), ...(cfg.token ? [cfg.token] : [])];
  const log = new JobLog({ redactor: new Redactor(secrets), sink: { onLine: (l) => details.push(l) } });
  const ctx: ExecContext = { config: cfg, log, dryRun: false };
  const detailTail = () => {
    const d = details.filter((l) => !l.startsWith('$ ') && !l.startsWith('GET ')).slice(-3);
    details.length = 0;
    return d.length ? ` [${d.join(' | ')}]` : '';
  };

  if (cfg.server && cfg.token) report('PASS', 'config', `enrolled as ${cfg.agentId ?? '?'} (${cfg.name}) with ${cfg.server}`);
  else report('WARN', 'config', `not enrolled (no server/token in ${cfg.configDir}); exec works, run does not`);

  let policy: Policy | undefined;
  try {
    const p = await loadPolicy(cfg.policyPath);
    policy = p.policy;
    if (p.missing) report('WARN', 'policy', `${cfg.policyPath} does not exist: every target is denied`);
    else report('PASS', 'policy', `${cfg.policyPath}: ${policy.ssh.length} ssh host(s), ${policy.kube.length} kube entr(ies), ${policy.nomad.length} nomad address(es)`);
  } catch (err) {
    report('FAIL', 'policy', (err as Error).message);
  }

  const version = async (argv: string[]) => {
    const r = await runProcess({ argv, env: cfg.env, log, graceMs: 1000, timeoutMs: cfg.targetTimeoutMs, stdout: 'capture' });
    const stderr = details.filter((l) => !l.startsWith('$ ')).join('\n');
    details.length = 0;
    return { ok: r.code === 0, stdout: r.stdout, text: r.spawnError ?? `${r.stdout}\n${stderr}`.trim() };
  };
  const ssh = await version([cfg.sshPath, '-V']);
  report(ssh.ok ? 'PASS' : 'FAIL', 'ssh client', ssh.text.split('\n').find((l) => /ssh/i.test(l)) ?? ssh.text);
  const kc = await version([cfg.kubectlPath, 'version', '--client', '-o', 'json']);
  let kcv = kc.text;
  try {
    kcv = (JSON.parse(kc.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? kcv;
  } catch {
    /* keep raw text */
  }
  report(kc.ok ? 'PASS' : 'WARN', 'kubectl', kc.ok ? `client ${kcv}` : `not usable (${kcv.split('\n')[0]}); kube targets will fail`);

  if (policy) {
    for (const rule of policy.ssh) {
      const t = { host: rule.host, ...(rule.port ? { port: rule.port } : {}), ...(rule.users?.[0] ? { user: rule.users[0] } : {}) };
      const r = await checkSsh(ctx, t, rule.hostKeys);
      report(r.ok ? 'PASS' : 'FAIL', `ssh ${describeSshTarget(t)}`, r.ok ? (r.version ?? 'ok') : `${r.error}${detailTail()}`);
    }
    for (const rule of policy.kube) {
      const ns = rule.namespaces.find((n) => n !== '*') ?? 'default';
      const r = await checkKube(ctx, { ...(rule.context ? { context: rule.context } : {}), namespace: ns });
      report(r.ok ? 'PASS' : 'FAIL', `kube ${rule.context ?? '(current context)'}/${ns}`, r.ok ? `server ${r.version}` : `${r.error}${detailTail()}`);
    }
    for (const rule of policy.nomad) {
      const ns = rule.namespaces.find((n) => n !== '*') ?? 'default';
      const tokenEnv = rule.tokenEnv.find((n) => cfg.env[n]);
      const r = await checkNomad(ctx, { address: rule.address, namespace: ns, ...(tokenEnv ? { tokenEnv } : {}) }, fetchImpl);
      report(r.ok ? 'PASS' : 'FAIL', `nomad ${rule.address}`, r.ok ? `version ${r.version}, ${r.detail}` : `${r.error}`);
    }
    details.length = 0;
  }

  if (cfg.server) {
    try {
      const res = await fetchImpl(`${cfg.server.replace(/\/+$/, '')}/healthz`, { signal: timeoutSignal(cfg.targetTimeoutMs) });
      report(res.ok ? 'PASS' : 'FAIL', 'worker', `${cfg.server}/healthz → HTTP ${res.status}`);
    } catch (err) {
      const e = err as { cause?: { code?: string }; message: string };
      report('FAIL', 'worker', `${cfg.server} unreachable (${e.cause?.code ?? e.message})`);
    }
  }
  io.out(failed ? `${failed} check(s) failed` : 'all checks passed');
  return failed ? 1 : 0;
}
