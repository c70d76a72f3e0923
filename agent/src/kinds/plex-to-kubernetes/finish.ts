/**
 * @module
 * The end of a Plex move: pin the image tag to the source's version (a YAML file on the agent host, or just a
 * warning when the running image differs), start the StatefulSet and require /identity in the pod to report
 * the source's machineIdentifier and version, verify with the image's Plex SQLite (integrity, counts, watch
 * history and resume points per account, library folders and sample media readable through the path map),
 * write the per-library folder guide, and report.
 */
import { StepFailure, type StepOutcome } from '../types';
import { checkIntegrity, type Ctx, type InventoryOut, type PreflightOut } from './detect';
import { compareFacts, factsScript, mapPath, parseFacts, type DbFacts } from './facts';
import { waitForPod } from './move';
import { PLEX_SQLITE, earlier, inPod, kube, shq, sleep } from './remote';

/** /identity inside the pod (curl, else wget), parsed. */
async function podIdentity(ctx: Ctx, pod: string): Promise<{ machineIdentifier: string; version: string } | undefined> {
  const r = await inPod(ctx, ctx.params.target, pod, 'curl -sf http://127.0.0.1:32400/identity 2>/dev/null || wget -qO- http://127.0.0.1:32400/identity', { check: false });
  const id = r.stdout.match(/machineIdentifier="([^"]*)"/)?.[1];
  const version = r.stdout.match(/<MediaContainer[^>]*\sversion="([^"]*)"/)?.[1];
  return r.code === 0 && id && version ? { machineIdentifier: id, version } : undefined;
}

export async function startTarget(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const inv = earlier<InventoryOut>(ctx, 'inventory');
  await kube(ctx, ctx.params.target, ['scale', `statefulset/${pre.statefulSet}`, '--replicas=1'], { check: 'scaling the StatefulSet to 1' });
  const pod = `${pre.statefulSet}-0`;
  await waitForPod(ctx, pod);
  let identity: Awaited<ReturnType<typeof podIdentity>>;
  for (let i = 0; i < 120 && !ctx.dryRun && !ctx.signal.aborted && !(identity = await podIdentity(ctx, pod)); i++) await sleep(500, ctx.signal);
  if (ctx.dryRun) {
    await podIdentity(ctx, pod); // prints the check a real run repeats until Plex answers
    return { outputs: { pod } };
  }
  if (!identity) throw new StepFailure(`Plex in pod ${pod} does not answer /identity`, 'TARGET_NOT_READY');
  if (identity.machineIdentifier !== inv.machineIdentifier) {
    throw new StepFailure(`pod ${pod} answers as machineIdentifier ${identity.machineIdentifier}, the source was ${inv.machineIdentifier}: the server started with a different identity (an empty or wrong config PVC?)`, 'IDENTITY_MISMATCH');
  }
  if (identity.version !== inv.version) throw new StepFailure(`pod ${pod} runs Plex ${identity.version}, the source ran ${inv.version}: pin the image tag`, 'VERSION_MISMATCH');
  ctx.log.line(`pod ${pod} answers /identity as ${identity.machineIdentifier}, Plex ${identity.version}: same server`);
  return { outputs: { pod, ...identity } };
}

export async function verify(ctx: Ctx): Promise<StepOutcome> {
  const { pod } = earlier<{ pod: string }>(ctx, 'start-target');
  const ref = earlier<{ facts?: DbFacts }>(ctx, 'stop-source').facts;
  const t = ctx.params.target;
  const pmsDir = `${t.configMountPath}/Library/Application Support/Plex Media Server`;
  const r = await inPod(ctx, t, pod, factsScript(pmsDir, PLEX_SQLITE), { check: 'reading the DB in the pod' });
  if (ctx.dryRun || !ref) return { outputs: {} };
  const facts = parseFacts(r.stdout);
  checkIntegrity(facts, 'target');
  const diff = compareFacts(ref, facts);
  if (diff.length) throw new StepFailure(`the target DB differs from the source: ${diff.join('; ')}`, 'VERIFY_FAILED');
  const folders = ref.sections.flatMap((s) => s.locations.map((l) => ({ section: s.name, from: l, to: mapPath(l, ctx.params.pathMap) ?? l })));
  const checks = folders.map((f) => `if [ -d ${shq(f.to)} ] && [ -n "$(ls -A ${shq(f.to)} 2>/dev/null | head -n 1)" ]; then echo "ok ${f.to.replace(/[\n"$`\\]/g, '')}"; else echo "missing ${f.to.replace(/[\n"$`\\]/g, '')}"; fi`);
  const samples = ref.sampleFiles.map((f) => mapPath(f, ctx.params.pathMap) ?? f);
  const reads = samples.map((f) => `s=$(date +%s%N); n=$(head -c 1048576 ${shq(f)} 2>/dev/null | wc -c); e=$(date +%s%N); echo "read $n $(( (e - s) / 1000000 ))ms"`);
  const fs = await inPod(ctx, t, pod, [...checks, ...reads].join('\n') || 'true', { check: 'checking media folders in the pod' });
  const missing = fs.stdout.split('\n').filter((l) => l.startsWith('missing ')).map((l) => l.slice(8));
  if (missing.length) throw new StepFailure(`library folders missing or empty in the pod: ${missing.join(', ')} (check the path map and the media volumes)`, 'MEDIA_MISSING');
  const readLines = fs.stdout.split('\n').filter((l) => l.startsWith('read '));
  const unreadable = readLines.filter((l) => l.split(' ')[1] === '0').length;
  if (unreadable) throw new StepFailure(`${unreadable} of ${samples.length} sample media files are not readable in the pod`, 'MEDIA_MISSING');
  ctx.log.line(`verified: integrity ok; ${Object.entries(facts.counts).map(([k, v]) => `${k} ${v}`).join(', ')}; watch history and resume points of ${Object.keys(facts.views).length} account(s) equal; ${folders.length} folder(s) present; ${samples.length} sample file(s) read (${readLines.map((l) => l.split(' ')[2]).join(', ')})`);
  return { outputs: { counts: facts.counts, accounts: Object.keys(facts.views).length, folders: folders.length, samples: samples.length } };
}

export async function report(ctx: Ctx): Promise<StepOutcome> {
  const pre = ctx.outputs.preflight as Partial<PreflightOut> | undefined;
  const inv = ctx.outputs.inventory as Partial<InventoryOut> | undefined;
  const tr = ctx.outputs.transfer as { bytes?: number; seconds?: number; rateBytesPerSecond?: number } | undefined;
  const ver = ctx.outputs.verify as { counts?: Record<string, number>; accounts?: number; folders?: number; samples?: number } | undefined;
  const backup = (ctx.outputs['stop-source'] as { backup?: string } | undefined)?.backup;
  const summary = {
    source: { host: ctx.params.source.host, dataDir: pre?.pmsDir, version: inv?.version, machineIdentifier: inv?.machineIdentifier, backup },
    target: { namespace: ctx.params.target.namespace, statefulSet: pre?.statefulSet, pvc: pre?.pvc },
    moved: { files: pre?.files, bytes: tr?.bytes, seconds: tr?.seconds, rateBytesPerSecond: tr?.rateBytesPerSecond },
    verified: ver,
    rollback: `run plex-to-kubernetes-rollback with the same source and target${inv?.machineIdentifier ? ` and machineIdentifier ${inv.machineIdentifier}` : ''}: it scales ${pre?.statefulSet ?? 'the StatefulSet'} to 0 and re-enables Plex on ${ctx.params.source.host}`,
  };
  ctx.log.line(`report: moved ${tr?.bytes ?? 0} bytes in ${(tr?.seconds ?? 0).toFixed(1)} s; ${summary.rollback}`);
  return { outputs: { report: summary } };
}

