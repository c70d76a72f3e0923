/** @module What every executor gets: typed config, the job log, the cancel signal, dry-run. */
import type { AgentConfig } from '../config';
import type { JobLog } from '../logs/job-log';

export type ExecutorConfig = Pick<
  AgentConfig,
  'sshPath' | 'sshConfigFile' | 'kubectlPath' | 'cancelGraceMs' | 'targetTimeoutMs' | 'env'
>;

export interface ExecContext {
  config: ExecutorConfig;
  log: JobLog;
  /** The job's cancellation signal (executors stop their processes and requests when it aborts). */
  signal?: AbortSignal;
  dryRun: boolean;
  onSpawn?: (pid: number) => void;
}

/** One target's outcome, reported in step outputs. */
export interface TargetResult {
  target: string;
  ok: boolean;
  version?: string;
  detail?: string;
  error?: string;
}
