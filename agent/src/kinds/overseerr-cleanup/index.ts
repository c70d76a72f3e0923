/**
 * @module `overseerr-cleanup` on the agent: refuses until the Nomad job's deployment has been successful
 * for `minHealthyHours`; then removes the stopped container (never a running one) and its service
 * entry from the compose file (a timestamped copy of the file is kept beside it), and checks
 * `docker compose config --services` no longer lists it.
 */
import type { OverseerrCleanupParams } from '../../../../worker/src/contracts/job-kinds';
import { nomadClient, nomadFailure, q, remote, remoteOk } from '../overseerr-to-nomad/remote';
import { StepFailure, type KindImpl, type StepContext } from '../types';

type Ctx = StepContext<OverseerrCleanupParams>;

async function checkAge(ctx: Ctx) {
  const p = ctx.params;
  let dep: { Status?: string; ModifyTime?: number } | null;
  try {
    dep = await nomadClient(ctx, p.nomad).get(`/v1/job/${encodeURIComponent(p.jobName)}/deployment`);
  } catch (err) {
    throw nomadFailure(err, `job ${p.jobName}`, p.nomad);
  }
  if (ctx.dryRun) return { outputs: {} };
  if (dep?.Status !== 'successful') throw new StepFailure(`job ${p.jobName} has no successful deployment (${dep?.Status ?? 'none'}): not cleaning up`, 'NOT_HEALTHY');
  const healthySince = Number(dep.ModifyTime ?? 0) / 1e6;
  const hours = (Date.now() - healthySince) / 3_600_000;
  if (hours < p.minHealthyHours) {
    throw new StepFailure(`healthy for ${hours.toFixed(1)} h since ${new Date(healthySince).toISOString()}; the waiting period is ${p.minHealthyHours} h (${(p.minHealthyHours - hours).toFixed(1)} h left)`, 'TOO_EARLY');
  }
  ctx.log.line(`healthy for ${hours.toFixed(1)} h (≥ ${p.minHealthyHours} h)`);
  return { outputs: { healthyHours: hours } };
}

/** The compose file without the `services.<name>` block (two-space indented YAML, as compose writes it). */
export function withoutService(yaml: string, name: string): string {
  const lines = yaml.split('\n');
  const out: string[] = [];
  let inServices = false;
  let skipping = false;
  for (const line of lines) {
    if (/^\S/.test(line)) {
      inServices = /^services:\s*$/.test(line);
      skipping = false;
    } else if (inServices && /^ {2}\S/.test(line)) {
      skipping = new RegExp(`^ {2}${name.replace(/[.]/g, '\\.')}:\\s*$`).test(line);
    }
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

async function remove(ctx: Ctx) {
  const p = ctx.params;
  const raw = await remoteOk(ctx, p.dockerHost, `docker inspect ${q(p.container)}`, `container ${p.container} not found`, 'CONTAINER_NOT_FOUND');
  const c = ctx.dryRun ? undefined : (JSON.parse(raw) as Array<{ State?: { Running?: boolean }; Config?: { Labels?: Record<string, string> } }>)[0];
  if (c?.State?.Running) throw new StepFailure(`container ${p.container} is running: it is the rollback path — stop it first (never removed while running)`, 'CONTAINER_RUNNING');
  // A dry run reads no label: the placeholder stands where the compose file's path goes.
  const compose = p.composeFile ?? (ctx.dryRun ? '/COMPOSE-FILE-FROM-THE-CONTAINER-LABELS' : c?.Config?.Labels?.['com.docker.compose.project.config_files']?.split(',')[0]);
  await remoteOk(ctx, p.dockerHost, `docker rm ${q(p.container)}`, `docker rm ${p.container} failed`, 'DOCKER_RM_FAILED');
  if (!compose) {
    ctx.log.line('no compose file known for the container: only the container was removed');
    return { outputs: { composeFile: null } };
  }
  const yaml = await remoteOk(ctx, p.dockerHost, `cat ${q(compose)}`, `could not read ${compose}`);
  const edited = withoutService(yaml, p.composeService);
  const backup = `${compose}.plexops-${Date.now()}`;
  await remoteOk(ctx, p.dockerHost, `cp -p ${q(compose)} ${q(backup)} && cat > ${q(`${compose}.tmp`)} && mv ${q(`${compose}.tmp`)} ${q(compose)}`, `could not write ${compose}`, 'REMOTE_FAILED', { input: edited });
  const services = await remote(ctx, p.dockerHost, `docker compose -f ${q(compose)} config --services`);
  if (ctx.dryRun) return { outputs: {} };
  if (services.stdout.split('\n').includes(p.composeService)) throw new StepFailure(`${compose} still lists ${p.composeService}`, 'COMPOSE_EDIT_FAILED');
  ctx.log.line(`removed container ${p.container} and service ${p.composeService} from ${compose} (previous file kept as ${backup})`);
  return { outputs: { composeFile: compose, backup } };
}

export const overseerrCleanupImpl: KindImpl<'overseerr-cleanup'> = { steps: { 'check-age': checkAge, remove } };
