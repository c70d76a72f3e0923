/**
 * @module
 * The read-only first steps of a Plex move: preflight (source login and data dir — a systemd
 * PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR override wins over the Ubuntu default —, the StatefulSet and its
 * config PVC, capacity ≥ data + 10 %, room on the source for a DB backup), inventory (version, identity,
 * files and bytes after excludes, a short link probe for the downtime estimate), integrity (Plex SQLite only).
 */
import type { PlexToKubernetesParams } from '../../../../worker/src/contracts/job-kinds';
import { runPipe } from '../../executors/pipe';
import { StepFailure, type StepContext, type StepOutcome } from '../types';
import { factsScript, parseFacts, type DbFacts } from './facts';
import { chartVersionOf, helmArgv, registryCheck } from './pin';
import type { TagCheck } from './registry';
import { runProcess } from '../../executors/process';
import { libraryPathsThroughApi } from '../../../../worker/src/contracts/job-kinds';
import { BLOBS_DB, DB_DIR, LIBRARY_DB, PLEX_BINARY, UBUNTU_APP_SUPPORT, earlier, kube, onSource, parseJson, shq, sourceArgv } from './remote';

export type Ctx = StepContext<PlexToKubernetesParams>;

export interface PreflightOut {
  appSupportDir: string;
  pmsDir: string;
  bytes: number;
  files: number;
  /** Size of the tar stream those files make (headers, long names, padding): the transfer's progress total. */
  archiveBytes?: number;
  /** The source's tar is GNU tar ≥ 1.28, which reports its own progress (so the stream need not pass through the agent). */
  tarReportsProgress?: boolean;
  statefulSet: string;
  pvc: string;
  image: string;
  container: string;
  /** The Helm release and chart version that made the StatefulSet (its labels), when it has them. */
  helmRelease?: string;
  chartVersion?: string;
}

/** `systemctl show -p Environment --value` output → variables (systemd quotes entries with spaces). */
export function parseSystemdEnvironment(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    const item = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    const i = item.indexOf('=');
    if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** `find` arguments (a shell fragment) that skip the excluded top-level dirs and, optionally, *.bif files. */
export function findFilter(p: PlexToKubernetesParams, root = '.'): string {
  const prune = p.excludes.map((e) => `-path ${shq(`${root}/${e}`)}`).join(' -o ');
  return `${prune ? `\\( ${prune} \\) -prune -o ` : ''}${p.skipBif ? "-name '*.bif' -prune -o " : ''}`;
}

/**
 * awk over `find -printf '%y %s %P'`: file bytes, file count, and the size of the tar stream they
 * make under "Plex Media Server/" — a 512-byte header per entry (plus a GNU long-name header and
 * its blocks when the name passes 100 bytes), file data padded to 512, the closing two blocks, and
 * the last 10 KiB record padded out.
 */
const ARCHIVE_ESTIMATE = [
  '{ n = length($0) - length($1) - length($2) - 2 + 18 + ($1 == "d"); h = 512; if (n > 100) h += 512 + int((n + 512) / 512) * 512 }',
  '$1 == "f" { s += $2; f++; a += h + int(($2 + 511) / 512) * 512; next }',
  '{ a += h }',
  'END { a += 512 + 1024; printf "%d %d %d\\n", s, f, int((a + 10239) / 10240) * 10240 }',
].join(' ');

/** `tar (GNU tar) 1.34` → true from 1.28 on (`--checkpoint-action=echo=%T`). */
export function gnuTarReportsProgress(versionLine: string): boolean {
  const m = versionLine.match(/^tar \(GNU tar\) (\d+)\.(\d+)/);
  return !!m && (Number(m[1]) > 1 || Number(m[2]) >= 28);
}

const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const FACTORS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
export function parseQuantity(q: string | undefined): number | undefined {
  const m = q?.match(QUANTITY);
  return m ? Number(m[1]) * FACTORS[m[2] ?? '']! : undefined;
}

interface Sts {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    template: { spec: { containers: Array<{ name: string; image?: string; volumeMounts?: Array<{ name: string; mountPath: string }> }>; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }> } };
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
  };
}

async function findStatefulSet(ctx: Ctx): Promise<Sts> {
  const t = ctx.params.target;
  if (t.statefulSet) return parseJson<Sts>((await kube(ctx, t, ['get', 'statefulset', t.statefulSet, '-o', 'json'], { check: `get statefulset ${t.statefulSet}` })).stdout, 'the StatefulSet');
  const all = parseJson<{ items: Sts[] }>((await kube(ctx, t, ['get', 'statefulsets', '-o', 'json'], { check: 'list statefulsets' })).stdout, 'StatefulSets').items;
  const plex = all.filter((s) => s.metadata.labels?.['app.kubernetes.io/name'] === 'plex-media-server' || s.spec.template.spec.containers.some((c) => /(^|\/)pms-docker(:|@|$)/.test(c.image ?? '')));
  if (plex.length !== 1) {
    throw new StepFailure(plex.length === 0 ? `no Plex StatefulSet in namespace ${t.namespace} (set target.statefulSet)` : `several Plex StatefulSets (${plex.map((s) => s.metadata.name).join(', ')}): set target.statefulSet`, 'TARGET_NOT_FOUND');
  }
  return plex[0]!;
}

/** helm mode: helm runs here and knows the release — checked now, not after the data has moved. */
async function preflightPin(ctx: Ctx, pre: Pick<PreflightOut, 'helmRelease' | 'chartVersion'>): Promise<void> {
  const pin = ctx.params.versionPin;
  if (pin.mode !== 'helm') return;
  const release = pin.release ?? pre.helmRelease;
  if (!release && !ctx.dryRun) throw new StepFailure('versionPin.mode is helm but the StatefulSet has no app.kubernetes.io/instance label: set versionPin.release', 'PIN_FAILED');
  const argv = helmArgv(ctx, pre, '<version>');
  const status = ['helm', 'status', release ?? '<release>', ...argv.filter((a) => a.startsWith('--namespace=') || a.startsWith('--kube-context=')), '-o', 'json'];
  const r = await runProcess({ argv: status, env: ctx.config.env, log: ctx.log, graceMs: ctx.config.cancelGraceMs, timeoutMs: ctx.config.targetTimeoutMs * 6, stdout: 'capture', dryRun: ctx.dryRun, signal: ctx.signal });
  if (ctx.dryRun) return;
  if (r.spawnError) throw new StepFailure(`versionPin.mode is helm but helm cannot run on this agent (${r.spawnError}); nothing was changed`, 'PIN_FAILED');
  if (r.code !== 0) throw new StepFailure(`helm does not know release ${release} in ${ctx.params.target.namespace} (helm status exit ${r.code}); nothing was changed`, 'PIN_FAILED');
  ctx.log.line(`helm release ${release} found; the pin will run: ${argv.join(' ')}`);
}

export async function preflight(ctx: Ctx): Promise<StepOutcome> {
  const { source, target } = ctx.params;
  const env = await onSource(ctx, source, `systemctl show -p Environment --value ${shq(source.service)} 2>/dev/null || true`, { check: 'ssh login on the source' });
  const appSupportDir = source.appSupportDir ?? parseSystemdEnvironment(env.stdout).PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR ?? UBUNTU_APP_SUPPORT;
  const pmsDir = `${appSupportDir}/Plex Media Server`;
  ctx.log.line(`source data dir: ${pmsDir}${source.appSupportDir ? ' (from params)' : ''}`);
  const dbFiles = [LIBRARY_DB, `${LIBRARY_DB}-wal`, `${LIBRARY_DB}-shm`, BLOBS_DB, `${BLOBS_DB}-wal`, `${BLOBS_DB}-shm`].map((f) => shq(`${DB_DIR}/${f}`)).join(' ');
  const size = await onSource(ctx, source, [
    `cd ${shq(pmsDir)} 2>/dev/null || { echo "no Plex data dir at ${pmsDir.replace(/["$`\\]/g, '')}" >&2; exit 3; }`,
    `find . -mindepth 1 ${findFilter(ctx.params)}-printf '%y %s %P\\n' | LC_ALL=C awk ${shq(ARCHIVE_ESTIMATE)}`,
    `ls -l ${dbFiles} 2>/dev/null | awk '{ s += $5 } END { printf "%d\\n", s }'`,
    `df -P -B1 .. | awk 'NR == 2 { print $4 }'`,
    'tar --version 2>/dev/null | head -n 1',
  ].join('\n'), { check: 'reading the source data dir' });
  const [sums = '0 0 0', dbBytesText = '0', freeText = '0', tarVersion = ''] = size.stdout.trim().split('\n');
  const [bytes, files, archiveBytes] = sums.split(' ').map(Number) as [number, number, number];
  const dbBytes = Number(dbBytesText);
  if (!ctx.dryRun && Number(freeText) < dbBytes) throw new StepFailure(`not enough room on the source for a DB backup: ${dbBytes} bytes needed, ${freeText} free`, 'SOURCE_FULL');
  if (!ctx.dryRun && !tarVersion) throw new StepFailure('tar is not installed on the source (the data moves as a tar stream); install it and retry — nothing was changed', 'SOURCE_NO_TAR');
  const tarReportsProgress = gnuTarReportsProgress(tarVersion);
  if (!ctx.dryRun) ctx.log.line(`source tar: ${tarVersion}${tarReportsProgress ? '' : ' (not GNU tar ≥ 1.28: the stream will pass through the agent to be counted)'}`);

  const sts = ctx.dryRun ? undefined : await findStatefulSet(ctx);
  const name = sts?.metadata.name ?? target.statefulSet ?? '<statefulset>';
  const pod = sts?.spec.template.spec;
  const container = pod?.containers.find((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === target.configMountPath));
  if (sts && !container) throw new StepFailure(`no container of StatefulSet ${name} mounts ${target.configMountPath}`, 'TARGET_NOT_FOUND');
  const volume = container?.volumeMounts?.find((m) => m.mountPath === target.configMountPath)?.name;
  const claim = target.pvc ?? pod?.volumes?.find((v) => v.name === volume)?.persistentVolumeClaim?.claimName
    ?? (sts?.spec.volumeClaimTemplates?.some((t) => t.metadata.name === volume) ? `${volume}-${name}-0` : undefined);
  if (sts && !claim) throw new StepFailure(`cannot tell the config PVC of ${name} (set target.pvc)`, 'TARGET_NOT_FOUND');
  const pvcName = claim ?? target.pvc ?? '<pvc>';
  const pvc = await kube(ctx, target, ['get', 'pvc', pvcName, '-o', 'json'], { check: `get pvc ${pvcName}` });
  if (!ctx.dryRun) {
    const p = parseJson<{ spec?: { resources?: { requests?: { storage?: string } } }; status?: { capacity?: { storage?: string } } }>(pvc.stdout, 'the PVC');
    const capacity = parseQuantity(p.status?.capacity?.storage ?? p.spec?.resources?.requests?.storage);
    if (capacity === undefined) ctx.log.line(`warning: PVC ${pvcName} reports no capacity; not checked`);
    else if (capacity < bytes * 1.1) throw new StepFailure(`PVC ${pvcName} holds ${capacity} bytes; the move needs ${Math.ceil(bytes * 1.1)} (data + 10 %)`, 'TARGET_TOO_SMALL');
  }
  if (sts && container && ctx.params.overwrite === 'refuse') {
    // The running Plex pod shows what the PVC holds: refuse now, before the source is touched.
    const running = await kube(ctx, target, ['get', 'pod', `${name}-0`, '--ignore-not-found', '-o', 'name'], { check: false });
    if (running.stdout.trim()) {
      const has = await kube(ctx, target, ['exec', `${name}-0`, '-c', container.name, '--', 'test', '-e', `${target.configMountPath}/Library`], { check: false });
      if (has.code === 0) throw new StepFailure(`the target PVC ${pvcName} already holds a Library (overwrite policy: refuse); nothing was changed. Choose "move-aside" to keep it in a timestamped folder on the PVC.`, 'TARGET_NOT_EMPTY');
    }
  }
  const helmRelease = sts?.metadata.labels?.['app.kubernetes.io/instance'];
  const chartVersion = chartVersionOf(sts?.metadata.labels?.['helm.sh/chart']);
  await preflightPin(ctx, { helmRelease, chartVersion });
  if (libraryPathsThroughApi(ctx.params) && !ctx.params.libraryPaths.plexToken && !ctx.dryRun) {
    throw new StepFailure('libraryPaths.useStoredPlexToken is on but the job came without a Plex token: store one in Settings → Plex (or give libraryPaths.plexToken); nothing was changed', 'NO_PLEX_TOKEN');
  }
  ctx.log.line(`to move: ${files} files, ${bytes} bytes (a tar stream of about ${archiveBytes} bytes) → PVC ${pvcName} of StatefulSet ${name}`);
  const out: PreflightOut = {
    appSupportDir, pmsDir, bytes, files, archiveBytes, tarReportsProgress, statefulSet: name, pvc: pvcName, image: container?.image ?? '', container: container?.name ?? '',
    ...(helmRelease ? { helmRelease } : {}), ...(chartVersion ? { chartVersion } : {}),
  };
  return { outputs: { ...out } };
}

export interface InventoryOut {
  version: string;
  machineIdentifier: string;
  rateBytesPerSecond: number;
  expectedDowntimeSeconds: number;
  /** Whether the image tag for this version exists in the registry (asked before anything is touched). */
  registry?: TagCheck;
}

const PROBE_BYTES = 16 * 1024 * 1024;

export async function inventory(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const r = await onSource(ctx, ctx.params.source, [
    `v=$(${shq(PLEX_BINARY)} --version 2>/dev/null) || v=$(dpkg-query -W -f='\${Version}' plexmediaserver 2>/dev/null) || v=$(curl -s http://127.0.0.1:32400/identity | sed -n 's/.* version="\\([^"]*\\)".*/\\1/p')`,
    'echo "version=$v"',
    `sed -n 's/.*ProcessedMachineIdentifier="\\([0-9a-f]*\\)".*/id=\\1/p' ${shq(`${pre.pmsDir}/Preferences.xml`)}`,
  ].join('\n'), { check: 'detecting the Plex version' });
  const version = (r.stdout.match(/^version=v?(\S+)$/m)?.[1] ?? '').replace(/^v/, '');
  const machineIdentifier = r.stdout.match(/^id=([0-9a-f]{40})$/m)?.[1] ?? '';
  if (!ctx.dryRun && !version) throw new StepFailure('could not detect the Plex version on the source (Plex Media Server --version, dpkg-query, /identity)', 'VERSION_UNKNOWN');
  if (!ctx.dryRun && !machineIdentifier) throw new StepFailure('no ProcessedMachineIdentifier in Preferences.xml on the source', 'IDENTITY_UNKNOWN');
  const started = Date.now();
  const probe = await runPipe({
    from: sourceArgv(ctx, ctx.params.source, `head -c ${PROBE_BYTES} /dev/zero`),
    to: ['sh', '-c', 'cat > /dev/null'],
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    idleTimeoutMs: ctx.config.targetTimeoutMs * 3,
    dryRun: ctx.dryRun,
    signal: ctx.signal,
  });
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  const rate = (probe.bytes ?? 0) / seconds;
  const expectedDowntimeSeconds = rate > 0 ? Math.ceil(pre.bytes / rate) : 0;
  ctx.log.line(`Plex ${version || '?'} on the source, machineIdentifier ${machineIdentifier || '?'}; link ${(rate / 1e6).toFixed(1)} MB/s → about ${expectedDowntimeSeconds} s of transfer for ${pre.bytes} bytes`);
  const registry = await registryCheck(ctx, pre.image, version || '<version>');
  if (registry.result === 'missing') throw new StepFailure(`the image tag ${version} does not exist in the registry of ${pre.image || 'the StatefulSet\'s image'}: Kubernetes could not pull it. Nothing was changed.`, 'TAG_MISSING');
  ctx.log.line(registry.result === 'exists' ? `image tag ${version} exists in the registry` : `image tag not checked against the registry: ${registry.reason}`);
  const out: InventoryOut = { version, machineIdentifier, rateBytesPerSecond: Math.round(rate), expectedDowntimeSeconds, registry };
  return { outputs: { ...out } };
}

export async function integrity(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const r = await onSource(ctx, ctx.params.source, factsScript(pre.pmsDir), { check: false });
  if (ctx.dryRun) return { outputs: {} };
  if (r.code === 3) {
    throw new StepFailure(`Plex SQLite is missing on the source (/usr/lib/plexmediaserver/Plex SQLite). Stock sqlite3 is no substitute: Plex's DB uses a collation and a tokenizer only Plex SQLite has. Nothing was changed.`, 'PLEX_SQLITE_MISSING');
  }
  if (r.code !== 0) throw new StepFailure(`reading the library DB on the source failed (exit ${r.code}); nothing was changed`, 'DB_UNREADABLE');
  const facts = parseFacts(r.stdout);
  checkIntegrity(facts, 'source');
  ctx.log.line(`source DB ok; ${Object.entries(facts.counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return { outputs: { facts } };
}

export function checkIntegrity(f: DbFacts, where: string): void {
  if (f.integrity.library !== 'ok') throw new StepFailure(`Plex SQLite integrity check of the library DB on the ${where} failed: ${f.integrity.library.slice(0, 300)}; nothing was changed`, 'DB_CORRUPT');
  if (f.integrity.blobs !== 'ok' && f.integrity.blobs !== 'absent') throw new StepFailure(`Plex SQLite integrity check of the blobs DB on the ${where} failed: ${f.integrity.blobs.slice(0, 300)}`, 'DB_CORRUPT');
}
