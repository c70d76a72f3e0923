/**
 * @module
 * The disruptive middle of a Plex move: stop and disable the source (then prove no `Plex Media Server` runs)
 * and back up all six DB files together (a .db without its -wal loses committed rows), counting from the copy;
 * empty the target (StatefulSet to 0, pod gone) and mount its config PVC in a helper pod (Plex must never
 * start on an empty PVC); stream `tar` from the source into the pod (nothing on disk in between) into a
 * partial directory that only becomes `Library` once both sides' manifests agree; hand the files to the
 * image's plex user.
 */
import { runPipe } from '../../executors/pipe';
import { StepFailure, type StepOutcome } from '../types';
import { checkIntegrity, type Ctx, type PreflightOut } from './detect';
import { compareFacts, factsScript, parseFacts, type DbFacts } from './facts';
import { BLOBS_DB, DB_DIR, LIBRARY_DB, earlier, inPod, kube, kubeArgv, onSource, parseJson, shq, sleep, sourceArgv } from './remote';

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
export const helperName = (sts: string) => `${sts}-plexops-helper`.slice(0, 63);
export const HELPER_ROLE_LABEL = 'plexops/role';
const PARTIAL = '.plexops-partial';

export async function stopSource(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const svc = shq(ctx.params.source.service);
  const backup = `${pre.appSupportDir}/plexops-backup-${stamp()}`;
  const files = [LIBRARY_DB, `${LIBRARY_DB}-wal`, `${LIBRARY_DB}-shm`, BLOBS_DB, `${BLOBS_DB}-wal`, `${BLOBS_DB}-shm`];
  await onSource(ctx, ctx.params.source, [
    'set -e',
    `systemctl stop ${svc}`,
    `systemctl disable ${svc} 2>&1`,
    'i=0; while pidof "Plex Media Server" >/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || { echo "Plex Media Server is still running" >&2; exit 5; }; sleep 0.2; done',
    `mkdir -p ${shq(`${backup}/${DB_DIR}`)}`,
    ...files.map((f) => `if [ -e ${shq(`${pre.pmsDir}/${DB_DIR}/${f}`)} ]; then cp -p ${shq(`${pre.pmsDir}/${DB_DIR}/${f}`)} ${shq(`${backup}/${DB_DIR}/${f}`)}; fi`),
  ].join('\n'), { check: 'stopping Plex on the source' });
  ctx.log.line(`source stopped and disabled; DB files backed up to ${backup}`);
  const copy = await onSource(ctx, ctx.params.source, factsScript(backup), { check: 'reading the DB backup' });
  if (ctx.dryRun) return { outputs: { backup } };
  const facts = parseFacts(copy.stdout);
  checkIntegrity(facts, 'source backup');
  const before = (ctx.outputs.integrity as { facts?: DbFacts } | undefined)?.facts;
  const drift = before ? compareFacts(before, facts) : [];
  if (drift.length) ctx.log.line(`note: the DB changed between the check and the stop (${drift.join('; ')}); the stopped state is the reference`);
  ctx.log.line(`reference counts (from the backup copy): ${Object.entries(facts.counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return { outputs: { backup, facts } };
}

export async function prepareTarget(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const t = ctx.params.target;
  const mount = t.configMountPath;
  await kube(ctx, t, ['scale', `statefulset/${pre.statefulSet}`, '--replicas=0'], { check: 'scaling the StatefulSet to 0' });
  await kube(ctx, t, ['wait', '--for=delete', `pod/${pre.statefulSet}-0`, '--timeout=300s'], { check: false, timeoutMs: 320_000 });
  const gone = await kube(ctx, t, ['get', 'pod', `${pre.statefulSet}-0`, '--ignore-not-found', '-o', 'name'], { check: 'checking the Plex pod is gone' });
  if (!ctx.dryRun && gone.stdout.trim()) throw new StepFailure(`pod ${pre.statefulSet}-0 is still there after scaling to 0`, 'TARGET_BUSY');
  const helper = helperName(pre.statefulSet);
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: helper, namespace: t.namespace, labels: { 'app.kubernetes.io/managed-by': 'plexops', [HELPER_ROLE_LABEL]: 'plex-migration-helper' } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      containers: [{ name: 'helper', image: pre.image || 'plexinc/pms-docker', command: ['sleep', '86400'], securityContext: { runAsUser: 0, runAsGroup: 0 }, volumeMounts: [{ name: 'config', mountPath: mount }] }],
      volumes: [{ name: 'config', persistentVolumeClaim: { claimName: pre.pvc } }],
    },
  };
  await kube(ctx, t, ['apply', '-f', '-'], { input: JSON.stringify(manifest), check: 'creating the helper pod' });
  await kube(ctx, t, ['wait', '--for=condition=Ready', `pod/${helper}`, '--timeout=300s'], { check: 'waiting for the helper pod', timeoutMs: 320_000 });
  const aside = `${mount}/Library.plexops-old-${stamp()}`;
  const policy = ctx.params.overwrite;
  const r = await inPod(ctx, t, helper, [
    `rm -rf ${shq(mount)}/${PARTIAL}*`,
    `if [ -e ${shq(`${mount}/Library`)} ]; then`,
    policy === 'move-aside' ? `  mv ${shq(`${mount}/Library`)} ${shq(aside)} && echo "moved aside"` : '  echo "exists"; exit 7',
    'fi',
  ].join('\n'), { check: false });
  if (r.code === 7) throw new StepFailure(`the target PVC ${pre.pvc} already holds a Library (overwrite policy: refuse). Choose "move-aside" to keep it in a timestamped folder on the PVC.`, 'TARGET_NOT_EMPTY');
  if (r.code !== 0) throw new StepFailure('preparing the config PVC failed; see the job log', 'COMMAND_FAILED');
  if (r.stdout.includes('moved aside')) ctx.log.line(`the existing Library on the PVC was moved to ${aside}`);
  return { outputs: { helper, ...(r.stdout.includes('moved aside') ? { movedAside: aside } : {}) } };
}

/** GNU tar reports every CHECKPOINT_RECORDS records (10 KiB each: every 1.25 MiB) as `tar: <PROGRESS_TAG> W: <bytes> (…)`. */
const CHECKPOINT_RECORDS = 128;
const PROGRESS_TAG = 'plexops-progress';
const PROGRESS_LINE = new RegExp(`${PROGRESS_TAG} W: (\\d+)`);

/** A GNU tar progress line (checkpoint, or `--totals` at the end) → bytes written so far. */
export function parseTarProgress(line: string): { bytes: number; final: boolean } | undefined {
  const checkpoint = line.match(PROGRESS_LINE);
  if (checkpoint) return { bytes: Number(checkpoint[1]), final: false };
  const totals = line.match(/^(?:tar: )?Total bytes written: (\d+)/);
  return totals ? { bytes: Number(totals[1]), final: true } : undefined;
}

/** A manifest line per entry: type, mode, size and mtime of files, symlink targets; sorted. */
const MANIFEST = `-printf '%y %m %s %Ts %P -> %l\\n' | awk '$1 == "d" { $3 = "-"; $4 = "-" } { print }' | LC_ALL=C sort`;
const DB_SUMS = `for f in ${[LIBRARY_DB, `${LIBRARY_DB}-wal`, BLOBS_DB, `${BLOBS_DB}-wal`].map((f) => shq(`${DB_DIR}/${f}`)).join(' ')}; do [ -e "$f" ] && sha256sum "$f"; done; true`;
/** One regular file in SAMPLE_EVERY (every Nth of the sorted list, so both sides pick the same) is checksummed too. */
const SAMPLE_EVERY = 32;
const sampleSums = (prune: string) => `find . -mindepth 1 ${prune}-type f -printf '%P\\n' | LC_ALL=C sort | awk 'NR % ${SAMPLE_EVERY} == 1' | while IFS= read -r f; do sha256sum "$f"; done`;
/** The manifest script: every entry, then the DB checksums and the sample's. */
const manifestScript = (dir: string, prune = '') => `cd ${shq(dir)} && find . -mindepth 1 ${prune}${MANIFEST} && echo @@sums && ${DB_SUMS} && ${sampleSums(prune)}`;

export async function transfer(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const { helper } = earlier<{ helper: string }>(ctx, 'prepare-target');
  const t = ctx.params.target;
  // A fresh directory per attempt: what a killed earlier attempt may still be writing never mixes with this one.
  const partial = `${t.configMountPath}/${PARTIAL}-${stamp()}`;
  const partialAs = `${partial}/Library/Application Support`;
  const excludes = ctx.params.excludes.map((e) => `--exclude=${shq(`Plex Media Server/${e}`)}`).join(' ');
  const z = ctx.params.compress ? ' -z' : '';
  const cleanup = async () => {
    const r = await inPod(ctx, t, helper, `rm -rf ${shq(t.configMountPath)}/${PARTIAL}*`, { check: false, cleanup: true, timeoutMs: 600_000 });
    ctx.log.line(r.code === 0 ? 'the partial copy on the PVC was removed' : `could not remove the partial copy (${t.configMountPath}/${PARTIAL}*): remove it before Plex starts on this PVC`);
  };
  await inPod(ctx, t, helper, `rm -rf ${shq(t.configMountPath)}/${PARTIAL}* && mkdir -p ${shq(partialAs)}`, { check: 'preparing the partial directory' });
  // GNU tar on the source reports the bytes it has written, so the stream can go from ssh to kubectl
  // through one kernel pipe; another tar's stream passes through the agent to be counted.
  const direct = pre.tarReportsProgress === true;
  const progressFlags = direct ? ` --totals --checkpoint=${CHECKPOINT_RECORDS} --checkpoint-action=${shq(`echo=${PROGRESS_TAG} %T`)}` : '';
  const total = ctx.params.compress && !direct ? {} : { total: pre.archiveBytes ?? pre.bytes };
  const report = (done: number) => ctx.progress({ done, ...total, unit: 'bytes', message: 'streaming the Plex data dir into the PVC' });
  let written: number | undefined;
  const started = Date.now();
  const result = await runPipe({
    route: direct ? 'direct' : 'through',
    from: sourceArgv(ctx, ctx.params.source, `tar -C ${shq(pre.appSupportDir)}${z}${progressFlags} --anchored ${excludes}${ctx.params.skipBif ? " --no-anchored --exclude='*.bif'" : ''} -cf - 'Plex Media Server'`),
    to: kubeArgv(ctx, t, ['exec', '-i', helper, '--', 'tar', `-xp${ctx.params.compress ? 'z' : ''}f`, '-', '--numeric-owner', '-C', partialAs]),
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    idleTimeoutMs: Math.max(60_000, ctx.config.targetTimeoutMs * 6),
    dryRun: ctx.dryRun,
    signal: ctx.signal,
    onBytes: report,
    onSenderLine: (line) => {
      const tarBytes = parseTarProgress(line);
      if (tarBytes === undefined) return false;
      written = tarBytes.bytes;
      report(written);
      return !tarBytes.final; // the totals line stays in the log
    },
  });
  const moved = result.bytes ?? written ?? 0;
  const seconds = (Date.now() - started) / 1000;
  if (!result.ok) {
    await cleanup();
    throw new StepFailure(result.cancelled ? 'transfer cancelled; the partial copy on the PVC was removed' : `transfer failed (source exit ${result.from.code ?? result.from.signal}, pod exit ${result.to.code ?? result.to.signal}${result.idle ? ', stalled' : ''}); the partial copy was removed — retry the step`, result.cancelled ? 'CANCELLED' : 'TRANSFER_FAILED');
  }
  const filter = [...ctx.params.excludes.map((e) => `-path ${shq(`./${e}`)}`), ...(ctx.params.skipBif ? ["-name '*.bif'"] : [])].join(' -o ');
  const src = await onSource(ctx, ctx.params.source, manifestScript(pre.pmsDir, filter ? `\\( ${filter} \\) -prune -o ` : ''), { check: 'source manifest' });
  const dst = await inPod(ctx, t, helper, manifestScript(`${partialAs}/Plex Media Server`), { check: 'target manifest' });
  const differing = diffManifests(src.stdout, dst.stdout);
  if (!ctx.dryRun && differing.length > 0) {
    await cleanup();
    throw new StepFailure(`the copy differs from the source at ${differing.length} path(s): ${differing.slice(0, 20).join(', ')}${differing.length > 20 ? ', …' : ''}; the partial copy was removed`, 'MANIFEST_MISMATCH');
  }
  if (ctx.signal.aborted) {
    await cleanup();
    throw new StepFailure('transfer cancelled; the partial copy on the PVC was removed', 'CANCELLED');
  }
  await inPod(ctx, t, helper, `mv ${shq(`${partial}/Library`)} ${shq(`${t.configMountPath}/Library`)} && rm -rf ${shq(t.configMountPath)}/${PARTIAL}*`, { check: 'moving the copy into place' });
  const rate = seconds > 0 ? moved / seconds : 0;
  const sums = dst.stdout.slice(dst.stdout.indexOf('@@sums')).split('\n').filter((l) => /^[0-9a-f]{64} /.test(l)).length;
  ctx.log.line(`moved ${moved} bytes in ${seconds.toFixed(1)} s (${(rate / 1e6).toFixed(1)} MB/s${direct ? ', ssh → kubectl through one pipe' : ''}); manifests of ${src.stdout.split('\n').length} entries and ${sums} checksums agree${result.sha256 ? `; stream sha256 ${result.sha256}` : ''}`);
  return { outputs: { bytes: moved, seconds, rateBytesPerSecond: Math.round(rate), ...(result.sha256 ? { streamSha256: result.sha256 } : {}) } };
}

/** Paths whose manifest lines (or DB checksums) differ between source and target. */
export function diffManifests(a: string, b: string): string[] {
  const index = (text: string) => {
    const m = new Map<string, string>();
    for (const line of text.split('\n')) {
      if (!line || line === '@@sums') continue;
      const sum = line.match(/^([0-9a-f]{64}) {2}(.+)$/);
      if (sum) m.set(`sha256 ${sum[2]}`, sum[1]!);
      else {
        const f = line.match(/^(\S+) (\S+) (\S+) (\S+) (.*?) -> (.*)$/);
        if (f) m.set(f[5]!, line);
      }
    }
    return m;
  };
  const x = index(a);
  const y = index(b);
  const out: string[] = [];
  for (const k of new Set([...x.keys(), ...y.keys()])) if (x.get(k) !== y.get(k)) out.push(k.replace(/^sha256 /, ''));
  return out.sort();
}

export async function ownership(ctx: Ctx): Promise<StepOutcome> {
  const { helper } = earlier<{ helper: string }>(ctx, 'prepare-target');
  const t = ctx.params.target;
  await inPod(ctx, t, helper, `chown -R ${t.plexUid}:${t.plexGid} ${shq(`${t.configMountPath}/Library`)}`, { check: 'fixing ownership', timeoutMs: 3_600_000 });
  await kube(ctx, t, ['delete', 'pod', helper, '--wait=true', '--ignore-not-found'], { check: 'removing the helper pod', timeoutMs: 320_000 });
  ctx.log.line(`files now belong to ${t.plexUid}:${t.plexGid}; helper pod removed`);
  return { outputs: {} };
}

export async function waitForPod(ctx: Ctx, name: string): Promise<void> {
  for (let i = 0; i < 600 && !ctx.signal.aborted && !ctx.dryRun; i++) {
    const r = await kube(ctx, ctx.params.target, ['get', 'pod', name, '--ignore-not-found', '-o', 'json'], { check: false });
    if (r.stdout.trim()) {
      const pod = parseJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(r.stdout, 'the pod');
      if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    }
    await sleep(500, ctx.signal);
  }
  if (!ctx.dryRun) throw new StepFailure(`pod ${name} did not become Ready`, ctx.signal.aborted ? 'CANCELLED' : 'TARGET_NOT_READY');
}
