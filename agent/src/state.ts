/**
 * @module
 * The daemon's durable memory of the jobs it holds, one file per job (`held/<job>.json`): the
 * claim (job id, lease token, attempt, kind, params) plus which steps finished, which one was
 * running and the pids of its children. Written atomically (tmp + fsync + rename) after every
 * transition — synchronously, so a child's pid is on disk before the step can be killed with it
 * — and a restarted daemon can resume every job whose lease is alive, knowing whether it was
 * killed inside a non-idempotent step. A `current-job.json` left by an agent that ran one job at
 * a time is taken over on load.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ClaimedJob } from '../../worker/src/contracts/agent-protocol';

export const HeldJob = z.object({
  job: ClaimedJob,
  done: z.array(z.number().int()),
  running: z.number().int().nullable(),
  /** Child processes of the running step (see executors/orphans.ts). */
  children: z.array(z.object({ pid: z.number().int(), start: z.string() })).default([]),
});
export type HeldJob = z.input<typeof HeldJob>;

const safeName = (jobId: string) => jobId.replace(/[^A-Za-z0-9_-]/g, '_');

/** The saved state of one held job. */
export class HeldJobFile {
  constructor(readonly path: string) {}

  save(held: HeldJob): void {
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(held));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

async function readHeld(path: string): Promise<HeldJob | undefined> {
  try {
    const r = HeldJob.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export class StateStore {
  constructor(readonly dir: string) {}

  spoolDir(jobId: string): string {
    return join(this.dir, 'jobs', safeName(jobId));
  }

  forJob(jobId: string): HeldJobFile {
    return new HeldJobFile(join(this.dir, 'held', `${safeName(jobId)}.json`));
  }

  /** Every job held before a restart (unreadable files are dropped: the lease decides). */
  async loadAll(): Promise<HeldJob[]> {
    const legacy = join(this.dir, 'current-job.json');
    const old = await readHeld(legacy);
    if (old) this.forJob(old.job.id).save(old);
    await rm(legacy, { force: true });
    const dir = join(this.dir, 'held');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: HeldJob[] = [];
    for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
      const held = await readHeld(join(dir, n));
      if (held) out.push(held);
      else await rm(join(dir, n), { force: true });
    }
    return out;
  }

  /** Deletes spools of jobs not touched for `maxAgeMs` (finished or long lost). */
  async pruneSpools(keep: ReadonlySet<string>, maxAgeMs = 7 * 24 * 3600_000): Promise<void> {
    const root = join(this.dir, 'jobs');
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      return;
    }
    const kept = new Set([...keep].map(safeName));
    for (const n of names) {
      if (kept.has(n)) continue;
      const p = join(root, n);
      const st = await stat(p).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) await rm(p, { recursive: true, force: true });
    }
  }
}
