/**
 * @module
 * `exec job.json [--dry-run] [--yes]`: run a job file locally, no server. The same runner, policy
 * check and redaction as the daemon; log lines go to stdout. With --dry-run every command and
 * HTTP request is printed instead of performed. Exit: 0 succeeded, 1 failed, 3 cancelled,
 * 4 needs approval (pass --yes), 64 usage.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { getJobKind } from '../../../worker/src/contracts/job-kinds';
import type { AgentConfig } from '../config';
import { JobLog } from '../logs/job-log';
import { Redactor, secretsFromEnv, secretsFromParams } from '../logs/redact';
import type { Logger } from '../logger';
import type { Policy } from '../policy';
import { runJob } from '../runner';
import { StopSignals } from '../signals';
import type { Io } from './io';

const JobFile = z.object({ id: z.string().max(64).optional(), kind: z.string().min(1).max(64), params: z.unknown() });

export interface ExecOptions {
  dryRun: boolean;
  approve: boolean;
  signals?: StopSignals;
  onSpawn?: (pid: number) => void;
}

export async function execCommand(file: string | undefined, cfg: AgentConfig, policy: Policy, io: Io, logger: Logger, o: ExecOptions): Promise<number> {
  if (!file) {
    io.err('exec needs a job file: plexops-agent exec job.json [--dry-run]');
    return 64;
  }
  let job: z.infer<typeof JobFile>;
  try {
    const r = JobFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!r.success) throw new Error(z.prettifyError(r.error));
    job = r.data;
  } catch (err) {
    io.err(`cannot read job file ${file}: ${(err as Error).message}`);
    return 64;
  }
  const def = getJobKind(job.kind);
  const secrets = [...secretsFromEnv(cfg.env), ...secretsFromParams(job.params, def?.secretParams ?? [])];
  if (cfg.token) secrets.push(cfg.token);
  const log = new JobLog({ redactor: new Redactor(secrets), sink: { onLine: (l) => io.out(l) } });
  const signals = o.signals ?? new StopSignals(logger).install();
  const id = job.id ?? 'local';
  if (o.dryRun) io.out(`# dry run of ${job.kind}: commands are printed, nothing is executed`);
  try {
    const outcome = await runJob(
      { id, kind: job.kind, params: job.params ?? {} },
      {
        config: cfg,
        policy,
        log,
        signal: signals.hard.signal,
        shouldStop: () => signals.graceful.signal.aborted,
        dryRun: o.dryRun,
        ...(o.onSpawn ? { onSpawn: o.onSpawn } : {}),
        hooks: {
          stepStart: async (i) => {
            if (def?.steps[i]?.needsApproval && !o.approve && !o.dryRun) {
              io.err(`step ${def.steps[i]?.id} needs approval: re-run with --yes to approve it locally`);
              return 'awaiting_approval';
            }
            return 'ok';
          },
          stepFinish: async () => {},
        },
      },
    );
    await log.flush();
    if (outcome.type === 'awaiting_approval') return 4;
    if (outcome.type === 'stopped') {
      io.err(`stopped before step ${outcome.nextStep + 1}`);
      return 3;
    }
    if (outcome.status === 'succeeded') return 0;
    if (outcome.status === 'cancelled') return 3;
    return 1;
  } finally {
    if (!o.signals) signals.uninstall();
  }
}
