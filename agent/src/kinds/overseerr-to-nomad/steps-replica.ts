/**
 * @module
 * `overseerr-to-nomad` steps that move the DB through the Litestream replica (scripts in
 * litestream.ts):
 * - seed-replica, BEFORE the approval: `litestream replicate` against the running DB (the live
 *   seed — the full snapshot upload happens while Overseerr still serves), then a test restore,
 *   so a replica that cannot be written or read fails the job before any downtime.
 * - stop, the approval: `docker stop` (never `rm`); the live seed's final sync makes the replica
 *   catch up with the stopped DB (or a catch-up run, if the live seed is gone); the WAL
 *   checkpoint, `PRAGMA integrity_check` and row counts of the stopped DB.
 * - check-replica: the proof — the replica restored to a scratch copy has the stopped DB's row
 *   counts and passes the integrity check. Only then is anything deployed.
 */
import { StepFailure, type StepOutcome } from '../types';
import { dbFactsFrom, dbPath, facts, finalSyncScript, liveSeedScript, restoreCheckScript, stopLiveSeedScript } from './litestream';
import { type Counts, q, remote, remoteOk } from './remote';
import { type Ctx, configDirOf, jobWorkDir, out, refuseExistingReplica, replicaConfig, replicaState } from './steps-prepare';

const countsText = (c: Counts): string => `${c.users} users, ${c.requests} requests, ${c.media} media, ${c.seasons} seasons, ${c.issues} issues`;
const NO_COUNTS: Counts = { users: 0, requests: 0, media: 0, seasons: 0, issues: 0 };

/** Restores the replica to a scratch path on the docker host and reads integrity, counts and generations. */
async function restoreCheck(ctx: Ctx): Promise<{ integrity: string; counts: Counts | undefined; generations: string[]; failed: string | undefined }> {
  const configDir = configDirOf(ctx);
  const r = await remote(ctx, ctx.params.dockerHost, restoreCheckScript(jobWorkDir(ctx), dbPath(configDir)), { input: replicaConfig(ctx, configDir), timeoutMs: 3_600_000 });
  const f = facts(r.stdout);
  const failed = ctx.dryRun ? undefined : (f.get('failed') ?? (r.code !== 0 ? `the restore script exited ${r.code}` : undefined));
  return { ...(ctx.dryRun ? { integrity: 'ok', counts: NO_COUNTS } : dbFactsFrom(f)), generations: (f.get('generations') ?? '').split(/\s+/).filter(Boolean), failed };
}

export async function seedReplica(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const configDir = configDirOf(ctx);
  // Checked again: a replica may have appeared since preflight.
  refuseExistingReplica(ctx, (await replicaState(ctx, configDir)).generations);
  const r = await remote(ctx, p.dockerHost, liveSeedScript(jobWorkDir(ctx), dbPath(configDir), p.liveSeedHours * 3600, 1800), { input: replicaConfig(ctx, configDir), timeoutMs: 1_900_000 });
  const f = facts(r.stdout);
  if (f.has('note')) ctx.log.line(String(f.get('note')));
  if (!ctx.dryRun && !f.has('seeded')) throw new StepFailure(`litestream replicate wrote no snapshot: ${f.get('failed') ?? `exit ${r.code}`} (replicate.log in ${jobWorkDir(ctx)})`, 'SEED_FAILED');
  // Proves credentials, the snapshot and the restore path before the downtime. The DB is live, so
  // its counts are shown, not compared: check-replica compares them with the stopped DB.
  const test = await restoreCheck(ctx);
  if (test.failed || test.integrity !== 'ok' || !test.counts) {
    await remote(ctx, p.dockerHost, stopLiveSeedScript(jobWorkDir(ctx)));
    throw new StepFailure(`the test restore from the replica failed: ${test.failed ?? `integrity ${test.integrity}`}; the live seed was stopped`, 'RESTORE_FAILED');
  }
  if (!ctx.dryRun) ctx.log.line(`live seed running (pid ${f.get('seeded') ?? '?'}; it stops by itself after ${p.liveSeedHours} h); replica generation ${test.generations.at(-1) ?? '?'}; a test restore passes the integrity check and has ${countsText(test.counts)}`);
  return { outputs: { livePid: f.get('seeded') ?? null, generations: test.generations, testRestoreCounts: test.counts } };
}

export async function stop(ctx: Ctx): Promise<StepOutcome> {
  const p = ctx.params;
  const configDir = configDirOf(ctx);
  const stoppedAt = new Date().toISOString();
  await remoteOk(ctx, p.dockerHost, `docker stop ${q(p.container)}`, `docker stop ${p.container} failed`, 'DOCKER_STOP_FAILED');
  const r = await remote(ctx, p.dockerHost, finalSyncScript(jobWorkDir(ctx), dbPath(configDir), 600), { input: replicaConfig(ctx, configDir), timeoutMs: 900_000 });
  if (ctx.dryRun) return { outputs: { stoppedAt, counts: NO_COUNTS } };
  const f = facts(r.stdout);
  if (f.has('note')) ctx.log.line(String(f.get('note')));
  if (f.has('failed') || !f.has('sync')) {
    throw new StepFailure(`${f.get('failed') ?? `the final sync script exited ${r.code}`}: Overseerr is stopped and nothing was deployed (overseerr-to-nomad-rollback starts it again)`, 'SYNC_FAILED');
  }
  const ck = f.get('checkpoint') ?? '';
  if (!ck.startsWith('0|')) throw new StepFailure(`WAL checkpoint was blocked (${ck}): is something still using the DB?`, 'DB_BUSY');
  const { integrity, counts } = dbFactsFrom(f);
  if (integrity !== 'ok') throw new StepFailure(`PRAGMA integrity_check after stop: ${integrity}`, 'DB_CORRUPT');
  if (!counts) throw new StepFailure(`could not count rows in the stopped DB: ${f.get('counts') ?? ''}`, 'DB_CHECK_FAILED');
  const before = out<{ counts?: Counts }>(ctx, 'inventory').counts;
  if (before && (counts.users < before.users || counts.requests < before.requests)) throw new StepFailure('rows went missing between inventory and stop', 'DB_CHANGED');
  const how = f.get('sync') === 'live' ? "the live seed's final sync" : 'a catch-up replicate run';
  ctx.log.line(`stopped at ${stoppedAt}; replica caught up by ${how}; WAL checkpointed (${ck}); integrity ok; ${countsText(counts)}`);
  return { outputs: { stoppedAt, counts, sync: f.get('sync') ?? null } };
}

export async function checkReplica(ctx: Ctx): Promise<StepOutcome> {
  const { counts } = out<{ counts: Counts }>(ctx, 'stop');
  const restored = await restoreCheck(ctx);
  if (ctx.dryRun) return { outputs: {} };
  if (restored.failed) throw new StepFailure(`restoring the replica to a scratch copy failed: ${restored.failed}`, 'RESTORE_FAILED');
  if (restored.integrity !== 'ok' || JSON.stringify(restored.counts) !== JSON.stringify(counts)) {
    throw new StepFailure(`the replica restores to a copy that differs from the stopped DB: integrity ${restored.integrity}, ${restored.counts ? countsText(restored.counts) : 'no counts'} vs ${countsText(counts)}`, 'RESTORE_MISMATCH');
  }
  ctx.log.line(`the replica (generation ${restored.generations.at(-1) ?? '?'}) restores to a copy with the stopped DB's ${countsText(counts)}; integrity ok`);
  return { outputs: { generations: restored.generations, restoredCounts: restored.counts } };
}
