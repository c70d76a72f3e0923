/**
 * @module
 * `exec job.json [--dry-run] [--yes]`: run a job file locally, no server. The same runner, policy
 * check and secret collection (session/secrets.ts) as the daemon; log lines go to stdout, with
 * the running step's progress below them. With --dry-run every command and HTTP request is
 * printed instead of performed. Exit: 0 succeeded, 1 failed, 3 cancelled, 4 needs approval
 * (pass --yes), 64 usage.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { getJobKind } from '../../../worker/src/contracts/job-kinds';
import type { AgentConfig } from '../config';
import { JobLog } from '../logs/job-log';
import { Redactor } from '../logs/redact';
import type { Logger } from '../logger';
import type { Policy } from '../policy';
import { ProgressMeter } from '../progress-meter';
import { runJob } from '../runner';
import { JobCancellation } from '../session/cancellation';
import { jobSecrets } from '../session/secrets';
import { StopSignals } from '../signals';
import type { Io } from './io';
import { ProgressLine } from './progress-line';

const JobFile = z.object({ id: z.string().max(64).optional(), kind: z.string().min(1).max(64), params: z.unknown() });

export interface ExecOptions {
  dryRun: boolean;
  approve: boolean;
  signals?: StopSignals;
  onSpawn?: (pid: number) => void;
}

async function readJobFile(file: string, io: Io): Promise<z.infer<typeof JobFile> | undefined> {
  try {
    const r = JobFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!r.success) throw new Error(z.prettifyError(r.error));
    return r.data;
  } catch (err) {
    io.err(`cannot read job file ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

export async function execCommand(file: string | undefined, cfg: AgentConfig, policy: Policy, io: Io, logger: Logger, o: ExecOptions): Promise<number> {
  if (!file) {
    io.err('exec needs a job file: plexops-agent exec job.json [--dry-run]');
    return 64;
  }
  const job = await readJobFile(file, io);
  if (!job) return 64;
  const def = getJobKind(job.kind);
  const progress = new ProgressLine(io);
  const meter = new ProgressMeter();
  const log = new JobLog({ redactor: new Redactor(jobSecrets(cfg, { kind: job.kind, params: job.params })), sink: { onLine: (l) => progress.print(l) } });
  const signals = o.signals ?? new StopSignals(logger).install();
  // Locally, the second signal cancels the run (there is no queue to hand the job back to).
  const cancellation = new JobCancellation();
  const onHard = () => cancellation.stop('cancelled');
  signals.hard.signal.addEventListener('abort', onHard, { once: true });
  try {
    const outcome = await runJob(
      { id: job.id ?? 'local', kind: job.kind, params: job.params ?? {} },
      {
        config: cfg,
        policy,
        log,
        signal: cancellation.signal,
        shouldStop: () => signals.graceful.signal.aborted,
        dryRun: o.dryRun,
        ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}),
        hooks: {
          stepStart: async (i) => {
            // As the worker decides at creation: some steps need an approval only with some params.
            if (def?.stepNeedsApproval(i, def.params.safeParse(job.params ?? {}).data) && !o.approve && !o.dryRun) {
              io.err(`step ${def.steps[i]?.id} needs approval: re-run with --yes to approve it locally`);
              return 'awaiting_approval';
            }
            return 'ok';
          },
          stepFinish: async () => {},
          onStep: () => {
            meter.reset();
            progress.clear();
          },
          onProgress: (i, p) => progress.update(`step ${i + 1}/${def?.steps.length ?? '?'} ${def?.steps[i]?.id ?? ''}`, meter.fill(p)),
        },
      },
    );
    await log.flush();
    progress.clear();
    if (outcome.type === 'awaiting_approval') return 4;
    if (outcome.type === 'stopped') {
      io.err(`stopped before step ${outcome.nextStep + 1}`);
      return 3;
    }
    if (outcome.type !== 'finished') return 1;
    if (outcome.status === 'succeeded') return 0;
    if (outcome.status === 'cancelled') return 3;
    return 1;
  } finally {
    signals.hard.signal.removeEventListener('abort', onHard);
    if (!o.signals) signals.uninstall();
  }
}
