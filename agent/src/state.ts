/**
 * @module
 * The daemon's durable memory of the job it holds: the claim (job id, lease token, attempt,
 * kind, params) plus which steps finished and which one was running. Written atomically
 * (tmp + fsync + rename) after every transition, so a restarted daemon can resume the job
 * while its lease is alive — and knows whether it was killed inside a non-idempotent step.
 */
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
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

export class StateStore {
  constructor(readonly dir: string) {}

  get file(): string {
    return join(this.dir, 'current-job.json');
  }

  spoolDir(jobId: string): string {
    return join(this.dir, 'jobs', jobId.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  async load(): Promise<HeldJob | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = HeldJob.safeParse(JSON.parse(text));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  async save(held: HeldJob): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(held));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }

  /** Deletes spools of jobs not touched for `maxAgeMs` (finished or long lost). */
  async pruneSpools(keep: string | undefined, maxAgeMs = 7 * 24 * 3600_000): Promise<void> {
    const root = join(this.dir, 'jobs');
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(root, n);
      if (keep && p === this.spoolDir(keep)) continue;
      const st = await stat(p).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) await rm(p, { recursive: true, force: true });
    }
  }
}
