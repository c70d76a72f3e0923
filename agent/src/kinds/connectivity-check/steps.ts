/**
 * @module
 * `connectivity-check` steps: one per target class; each checks every target of its class (all of
 * them, even after a failure, so one run shows the whole picture) and fails if any failed.
 */
import type { ConnectivityCheckParams } from '../../../../worker/src/contracts/job-kinds';
import { checkKube } from '../../executors/kubectl';
import { checkNomad } from '../../executors/nomad';
import { checkSsh } from '../../executors/ssh';
import type { TargetResult } from '../../executors/types';
import { sshRule } from '../../policy';
import { StepFailure, type StepContext, type StepOutcome } from '../types';

type Ctx = StepContext<ConnectivityCheckParams>;

async function each<T>(ctx: Ctx, label: string, targets: readonly T[], check: (t: T) => Promise<TargetResult>): Promise<StepOutcome> {
  if (targets.length === 0) {
    ctx.log.line(`no ${label} targets in this job: nothing to check`);
    return { outputs: { targets: [] } };
  }
  const results: TargetResult[] = [];
  for (const t of targets) {
    if (ctx.signal.aborted) break;
    results.push(await check(t));
    ctx.progress({ done: results.length, total: targets.length, unit: 'items', message: `checked ${results.length} of ${targets.length} ${label} target(s)` });
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0 || results.length < targets.length) {
    throw new StepFailure(
      `${failed.length} of ${targets.length} ${label} target(s) failed: ${failed.map((r) => `${r.target} (${r.error})`).join('; ')}`,
      'TARGET_UNREACHABLE',
      { targets: results },
    );
  }
  ctx.log.line(ctx.dryRun ? `dry run: ${targets.length} ${label} target(s) would be checked` : `all ${targets.length} ${label} target(s) ok`);
  return { outputs: { targets: results } };
}

export const checkSshHosts = (ctx: Ctx) =>
  each(ctx, 'ssh', ctx.params.ssh, (t) => {
    // The policy was checked for the whole job before step one; asking again here only fetches
    // the host-key rule, and means a bug can never skip the policy.
    const rule = sshRule(ctx.policy, t);
    if (!rule) throw new StepFailure(`ssh target ${t.host} is not allowed by the agent policy`, 'POLICY_DENIED');
    return checkSsh(ctx, t, rule.hostKeys);
  });

export const checkKubeNamespaces = (ctx: Ctx) => each(ctx, 'kube', ctx.params.kube, (t) => checkKube(ctx, t));

export const checkNomadAddresses = (ctx: Ctx) => each(ctx, 'nomad', ctx.params.nomad, (t) => checkNomad(ctx, t));
