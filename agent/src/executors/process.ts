/**
 * @module
 * Runs one child process for a step: argv array only (never a shell), its own process group so
 * cancel reaches grandchildren too, stdout/stderr streamed into the job log line by line
 * (redacted; binary output is summarised, never logged). Cancel (the job's AbortSignal): SIGTERM
 * to the group, `graceMs` later SIGKILL. For two processes joined by a pipe see pipe.ts.
 */
import { spawn } from 'node:child_process';
import type { JobLog } from '../logs/job-log';
import { describeSpawnError, GroupStopper } from './process-group';

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
  /** Written to the child's stdin, which is then closed (e.g. a manifest for `kubectl apply -f -`). */
  input?: string | Buffer;
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

export function runProcess(opts: RunOptions): Promise<RunResult> {
  const { argv, log } = opts;
  const cmd = argv[0];
  if (!cmd) throw new TypeError('empty argv');
  log.line(`$ ${displayCommand(argv)}`);
  if (opts.dryRun) return Promise.resolve({ code: 0, signal: null, stdout: '', cancelled: false, timedOut: false });
  if (opts.signal?.aborted) return Promise.resolve({ code: null, signal: null, stdout: '', cancelled: true, timedOut: false });

  return new Promise((resolve) => {
    const child = spawn(cmd, argv.slice(1), {
      env: { ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true, // own process group: cancel signals the whole tree
      shell: false,
    });
    const stopper = new GroupStopper([child], opts.graceMs);
    let cancelled = false;
    let timedOut = false;
    const captured: Buffer[] = [];
    let capturedBytes = 0;
    const limit = opts.captureLimit ?? 4 * 1024 * 1024;
    const out = log.output();
    const err = log.output();
    child.stdout?.on('data', (d: Buffer) => {
      if (opts.stdout !== 'capture') return out.push(d);
      if (capturedBytes < limit) {
        const part = d.subarray(0, limit - capturedBytes);
        captured.push(part);
        capturedBytes += part.length;
      }
    });
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    if (child.stdin && opts.input !== undefined) {
      child.stdin.on('error', () => undefined); // EPIPE when the child exits without reading: its exit code says why
      child.stdin.end(opts.input);
    }

    const onAbort = () => {
      cancelled = true;
      log.line(`cancel: sending SIGTERM to process group ${child.pid ?? '?'} (SIGKILL after ${opts.graceMs} ms)`);
      stopper.stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            log.line(`timeout after ${opts.timeoutMs} ms: terminating ${cmd}`);
            stopper.stop();
          }, opts.timeoutMs)
        : undefined;

    let spawnError: string | undefined;
    child.on('error', (e) => (spawnError = describeSpawnError(cmd, e)));
    child.on('spawn', () => child.pid !== undefined && opts.onSpawn?.(child.pid));
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (timeout) clearTimeout(timeout);
      stopper.done();
      out.end();
      err.end();
      if (spawnError) log.line(spawnError);
      const stdout = Buffer.concat(captured).toString('utf8');
      resolve({ code, signal, stdout, cancelled, timedOut, ...(spawnError ? { spawnError } : {}) });
    });
  });
}
