/**
 * @module
 * Pinning the image tag to the source's Plex version (Plex migrates its DB forward on start; a newer or older
 * image on the moved data is unverified): `yaml` edits a values / HelmRelease file on the agent host keeping
 * its comments and layout, `helm` runs `helm upgrade --reuse-values --set-string <key>=<version>` (the chart
 * version kept from the StatefulSet's helm.sh/chart label, so only the tag changes), `none` only warns. The
 * registry check (before anything is touched, from the inventory step) says whether the tag exists.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { runProcess } from '../../executors/process';
import { StepFailure, type StepOutcome } from '../types';
import type { Ctx, InventoryOut, PreflightOut } from './detect';
import { earlier } from './remote';
import { checkImageTag, parseImage, type TagCheck } from './registry';
import { setYamlScalar, YamlPinError } from './yaml-pin';

export const tagOf = (image: string) => image.match(/:([^:@/]+)(@sha256:[0-9a-f]+)?$/)?.[1] ?? 'latest';
/** `plex-media-server-1.5.0` (the helm.sh/chart label) → `1.5.0`. */
export const chartVersionOf = (label: string | undefined) => label?.match(/-(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)$/)?.[1];

/** The argv of the helm mode (also what a dry run prints). */
export function helmArgv(ctx: Ctx, pre: Pick<PreflightOut, 'helmRelease' | 'chartVersion'>, version: string): string[] {
  const pin = ctx.params.versionPin;
  const t = ctx.params.target;
  const release = pin.release ?? pre.helmRelease ?? '<release>';
  const chartVersion = pin.chartVersion ?? pre.chartVersion;
  return [
    'helm', 'upgrade', release, pin.chart ?? '<chart>', `--namespace=${t.namespace}`, ...(t.context ? [`--kube-context=${t.context}`] : []),
    '--reuse-values', '--set-string', `${pin.keyPath ?? 'image.tag'}=${version}`, ...(chartVersion ? ['--version', chartVersion] : []), '--timeout', '10m0s',
  ];
}

/** Asks the image's registry about `<image repo>:<version>` when the params say so; the result is logged. */
export async function registryCheck(ctx: Ctx, image: string, version: string): Promise<TagCheck> {
  const pin = ctx.params.versionPin;
  if (!pin.checkRegistry) return { result: 'not-checked', reason: 'versionPin.checkRegistry is off' };
  const name = parseImage(image || 'index.docker.io/plexinc/pms-docker', version, pin.registryUrl);
  ctx.log.line(`${ctx.dryRun ? 'would check' : 'checking'} ${name.registry}/v2/${name.repository}/manifests/${version}`);
  if (ctx.dryRun) return { result: 'not-checked', reason: 'dry run' };
  return checkImageTag(name, ctx.config.targetTimeoutMs, ctx.signal);
}

async function pinYaml(ctx: Ctx, version: string): Promise<void> {
  const pin = ctx.params.versionPin;
  const file = pin.file!;
  const keyPath = pin.keyPath ?? 'spec.values.image.tag';
  ctx.log.line(`${ctx.dryRun ? 'would set' : 'setting'} ${keyPath} = ${version} in ${file}`);
  if (ctx.dryRun) return;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new StepFailure(`cannot read ${file}: ${(e as Error).message}`, 'PIN_FAILED');
  }
  try {
    const r = setYamlScalar(text, keyPath, version);
    await writeFile(`${file}.plexops-tmp`, r.text);
    await rename(`${file}.plexops-tmp`, file);
    ctx.log.line(`${keyPath}: ${r.old} → ${version} (comments and layout kept); apply it (GitOps or helm) before Plex restarts elsewhere`);
  } catch (e) {
    if (e instanceof YamlPinError) throw new StepFailure(`cannot pin in ${file}: ${e.message}`, 'PIN_FAILED');
    throw e;
  }
}

async function pinHelm(ctx: Ctx, pre: PreflightOut, version: string): Promise<void> {
  const r = await runProcess({
    argv: helmArgv(ctx, pre, version),
    env: ctx.config.env,
    log: ctx.log,
    graceMs: ctx.config.cancelGraceMs,
    timeoutMs: 11 * 60_000,
    dryRun: ctx.dryRun,
    signal: ctx.signal,
    ...(ctx.onSpawn ? { onSpawn: ctx.onSpawn } : {}),
  });
  if (r.code !== 0 || r.cancelled) throw new StepFailure(`helm upgrade failed (${r.spawnError ?? (r.cancelled ? 'cancelled' : `exit ${r.code ?? r.signal}`)}); see the job log`, r.cancelled ? 'CANCELLED' : 'PIN_FAILED');
}

export async function pinVersion(ctx: Ctx): Promise<StepOutcome> {
  const pre = earlier<PreflightOut>(ctx, 'preflight');
  const inv = earlier<InventoryOut>(ctx, 'inventory');
  const pin = ctx.params.versionPin;
  if (pin.mode === 'yaml') await pinYaml(ctx, inv.version);
  if (pin.mode === 'helm') await pinHelm(ctx, pre, inv.version);
  const running = tagOf(pre.image);
  const warning = pin.mode === 'none' && running !== inv.version
    ? `the StatefulSet runs tag ${running}, the source ran ${inv.version}: Plex migrates DBs forward and downgrades are unverified — pin ${inv.version}`
    : undefined;
  if (warning) ctx.log.line(`warning: ${warning}`);
  const registry = inv.registry ?? { result: 'not-checked', reason: 'no registry check ran' };
  ctx.log.line(registry.result === 'exists' ? `tag ${inv.version} exists in the registry${registry.digest ? ` (${registry.digest})` : ''}` : `the tag was not checked against the image registry: ${registry.result === 'not-checked' ? registry.reason : registry.result}`);
  return { outputs: { mode: pin.mode, runningTag: running, registry, ...(warning ? { warning } : {}) } };
}
