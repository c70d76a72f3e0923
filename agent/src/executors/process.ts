/**
 * @module
 * Runs one child process for a step: argv array only (never a shell), its own process group so
 * cancel reaches grandchildren too, stdout/stderr streamed into the job log line by line (redacted).
 * Cancel (the job's AbortSignal): SIGTERM to the group, `graceMs` later SIGKILL.
 */
import { spawn } from 'node:child_process';
import type { JobLog } from '../logs/job-log';

export interface RunOptions {
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  log: JobLog;
  /** The job's cancellation signal; absent for uninterruptible steps. */
  signal?: AbortSignal;
  graceMs: number;
  /** Kill after this long (reported as timedOut). */
  timeoutMs?: number;
  /** 'log' streams stdout into the job log; 'capture' keeps it for parsing (stderr is always logged). */
  stdout?: 'log' | 'capture';
  /** Bytes of captured stdout kept (the rest is dropped). */
  captureLimit?: number;
  /** Print the command instead of running it. */
  dryRun?: boolean;
  /** Called with the child pid once spawned (tests use it to observe signals). */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  cancelled: boolean;
  timedOut: boolean;
  /** spawn itself failed (binary missing…). */
  spawnError?: string;
}

const SAFE_ARG = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** argv as a copy-pasteable display string (for dry-run and logs only; never executed). */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (SAFE_ARG.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

export function runProcess(opts: RunOptions): Promise<RunResult> {
  const { argv, log } = opts;
  const cmd = argv[0];
  if (!cmd) throw new TypeError('empty argv');
  log.line(`$ ${displayCommand(argv)}`);
  if (opts.dryRun) return Promise.resolve({ code: 0, signal: null, stdout: '', cancelled: false, timedOut: false });
  if (opts.signal?.aborted)
    return Promise.resolve({ code: null, signal: null, stdout: '', cancelled: true, timedOut: false });

  return new Promise((resolve) => {
    const child = spawn(cmd, argv.slice(1), {
      env: { ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: cancel signals the whole tree
      shell: false,
    });
    let cancelled = false;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    let stdout = '';
    const limit = opts.captureLimit ?? 4 * 1024 * 1024;
    const out = log.stream();
    const err = log.stream();
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (opts.stdout === 'capture') {
        if (stdout.length < limit) stdout += d.slice(0, limit - stdout.length);
      } else out.push(d);
    });
    child.stderr.on('data', (d: string) => err.push(d));

    const terminate = () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), opts.graceMs);
    };
    const onAbort = () => {
      cancelled = true;
      log.line(`cancel: sending SIGTERM to process group ${child.pid ?? '?'} (SIGKILL after ${opts.graceMs} ms)`);
      terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            log.line(`timeout after ${opts.timeoutMs} ms: terminating ${cmd}`);
            terminate();
          }, opts.timeoutMs)
        : undefined;

    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd}: command not found` : e.message;
    });
    child.on('spawn', () => child.pid !== undefined && opts.onSpawn?.(child.pid));
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (timeout) clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      // The group may outlive its leader (a backgrounded grandchild): make sure nothing lingers.
      if ((cancelled || timedOut) && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      out.end();
      err.end();
      if (spawnError) log.line(spawnError);
      resolve({ code, signal, stdout, cancelled, timedOut, ...(spawnError ? { spawnError } : {}) });
    });
  });
}
