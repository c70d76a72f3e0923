/**
 * @module `plex-to-kubernetes-rollback` on the agent: scale the Plex StatefulSet to 0 (and wait until its pod
 * is gone — two servers with one identity must never run together — and remove a migration helper pod a
 * stopped move left behind), re-enable and start Plex on the source,
 * and require /identity there to answer with the original machineIdentifier.
 */
import type { PlexToKubernetesRollbackParams } from '../../../../worker/src/contracts/job-kinds';
import { StepFailure, type KindImpl, type StepContext, type StepOutcome } from '../types';
import { HELPER_ROLE_LABEL } from '../plex-to-kubernetes/move';
import { kube, onSource, parseJson, shq, sleep } from '../plex-to-kubernetes/remote';

type Ctx = StepContext<PlexToKubernetesRollbackParams>;

async function statefulSet(ctx: Ctx): Promise<string> {
  const t = ctx.params.target;
  if (t.statefulSet || ctx.dryRun) return t.statefulSet ?? '<statefulset>';
  const r = await kube(ctx, t, ['get', 'statefulsets', '-l', 'app.kubernetes.io/name=plex-media-server', '-o', 'json'], { check: 'finding the Plex StatefulSet' });
  const items = parseJson<{ items: Array<{ metadata: { name: string } }> }>(r.stdout, 'StatefulSets').items;
  if (items.length !== 1) throw new StepFailure(`found ${items.length} Plex StatefulSets in ${t.namespace}: set target.statefulSet`, 'TARGET_NOT_FOUND');
  return items[0]!.metadata.name;
}

async function stopTarget(ctx: Ctx): Promise<StepOutcome> {
  const sts = await statefulSet(ctx);
  await kube(ctx, ctx.params.target, ['scale', `statefulset/${sts}`, '--replicas=0'], { check: 'scaling the StatefulSet to 0' });
  await kube(ctx, ctx.params.target, ['wait', '--for=delete', `pod/${sts}-0`, '--timeout=300s'], { check: false, timeoutMs: 320_000 });
  // A move that stopped half-way may have left its helper pod on the config PVC.
  await kube(ctx, ctx.params.target, ['delete', 'pod', '-l', `${HELPER_ROLE_LABEL}=plex-migration-helper`, '--ignore-not-found', '--wait=true'], { check: 'removing a migration helper pod', timeoutMs: 320_000 });
  const left = await kube(ctx, ctx.params.target, ['get', 'pod', `${sts}-0`, '--ignore-not-found', '-o', 'name'], { check: 'checking the pod is gone' });
  if (!ctx.dryRun && left.stdout.trim()) throw new StepFailure(`pod ${sts}-0 is still running`, 'TARGET_BUSY');
  ctx.log.line(`StatefulSet ${sts} scaled to 0; its pod is gone`);
  return { outputs: { statefulSet: sts } };
}

async function startSource(ctx: Ctx): Promise<StepOutcome> {
  const svc = shq(ctx.params.source.service);
  await onSource(ctx, ctx.params.source, `systemctl enable ${svc} 2>&1 && systemctl start ${svc} && systemctl is-active ${svc}`, { check: 'starting Plex on the source' });
  return { outputs: {} };
}

async function confirm(ctx: Ctx): Promise<StepOutcome> {
  let id: string | undefined;
  for (let i = 0; i < 120 && !ctx.signal.aborted; i++) {
    const r = await onSource(ctx, ctx.params.source, 'curl -sf http://127.0.0.1:32400/identity 2>/dev/null || wget -qO- http://127.0.0.1:32400/identity', { check: false });
    if (ctx.dryRun) return { outputs: {} };
    id = r.stdout.match(/machineIdentifier="([0-9a-f]+)"/)?.[1];
    if (id) break;
    await sleep(500, ctx.signal);
  }
  if (!id) throw new StepFailure('Plex on the source does not answer /identity', 'SOURCE_NOT_READY');
  if (ctx.params.machineIdentifier && id !== ctx.params.machineIdentifier) throw new StepFailure(`the source answers as ${id}, expected ${ctx.params.machineIdentifier}`, 'IDENTITY_MISMATCH');
  ctx.log.line(`Plex on ${ctx.params.source.host} is back as ${id}`);
  return { outputs: { machineIdentifier: id } };
}

export const plexToKubernetesRollbackImpl: KindImpl<'plex-to-kubernetes-rollback'> = {
  steps: { 'stop-target': stopTarget, 'start-source': startSource, confirm },
};
