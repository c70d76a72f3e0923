/**
 * @module
 * Two child processes joined by a pipe, for streaming one tool's output into another's input with
 * nothing on disk in between: `ssh host tar -c …` → `kubectl exec -i pod -- tar -x …`. Two routes:
 *  - `through` (default): the bytes go through this process on the way, so the stream is counted and
 *    hashed (sha256) as it passes — progress and a checksum for any sender.
 *  - `direct`: the sender's stdout *is* the receiver's stdin, one kernel pipe as in a shell pipeline;
 *    nothing is copied here, so nothing is counted here either — the sender reports its own progress
 *    on stderr (`onSenderLine`, e.g. GNU tar's checkpoints). On a 2-core host where ssh, kubectl and
 *    both tars compete for the CPU, the copy through Node cost ~12 % of the throughput.
 * Backpressure is end to end either way: when the receiver reads slowly, the sender's pipe fills and
 * it blocks — memory here stays at a few buffers whatever the size.
 *
 * The piped bytes never reach the log; both children's stderr do (redacted, binary summarised).
 * Both run in their own process groups and are stopped together: on cancel, on an idle timeout,
 * and when either side fails (a receiver that died leaves the sender nowhere to write; a sender
 * that died leaves the receiver with a truncated stream, which it reports itself).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JobLog } from '../logs/job-log';
import { displayCommand } from './process';
import { describeSpawnError, GroupStopper } from './process-group';

export interface PipeOptions {
  /** Produces the stream (its stdout is the data). */
  from: readonly string[];
  /** Consumes the stream (its stdin is the data). */
  to: readonly string[];
  env: Readonly<Record<string, string>>;
  log: JobLog;
  signal?: AbortSignal;
  graceMs: number;
  /** Stop both when no byte moved for this long (a hung `kubectl exec` never ends otherwise). */
  idleTimeoutMs?: number;
  /** What happens to the receiver's stdout: logged (default), captured, or dropped. */
  toStdout?: 'log' | 'capture' | 'ignore';
  captureLimit?: number;
  /** `through` (default) copies, counts and hashes here; `direct` joins the two with one kernel pipe. */
  route?: 'through' | 'direct';
  /** Called with the running byte count as data passes (route `through`; at most every 200 ms, and at the end). */
  onBytes?(bytes: number): void;
  /**
   * Each line of the sender's stderr; return true when it was a progress line, to keep it out of
   * the log. Any line counts as movement for `idleTimeoutMs` on the `direct` route, where the
   * bytes themselves are not seen here.
   */
  onSenderLine?(line: string): boolean;
  dryRun?: boolean;
  onSpawn?: (pid: number) => void;
}

export interface PipeEndResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: string;
}

export interface PipeResult {
  /** Bytes that went from `from` into `to` (route `through` only). */
  bytes?: number;
  /** sha256 (hex) of exactly those bytes (route `through` only). */
  sha256?: string;
  from: PipeEndResult;
  to: PipeEndResult;
  cancelled: boolean;
  /** Stopped because nothing moved for `idleTimeoutMs`. */
  idle: boolean;
  /** The receiver's stdout when `toStdout: 'capture'`. */
  stdout: string;
  /** Both ended with status 0 and nothing was stopped. */
  ok: boolean;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

function exited(child: ChildProcess, cmd: string): Promise<PipeEndResult> {
  return new Promise((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e) => (spawnError = describeSpawnError(cmd, e)));
    child.on('close', (code, signal) => resolve({ code, signal, ...(spawnError ? { spawnError } : {}) }));
  });
}

/** How often `onBytes` fires at most: a progress figure per 64 KiB chunk would cost more than the copy. */
const ON_BYTES_EVERY_MS = 200;

export async function runPipe(o: PipeOptions): Promise<PipeResult> {
  const fromCmd = o.from[0];
  const toCmd = o.to[0];
  if (!fromCmd || !toCmd) throw new TypeError('empty argv');
  const direct = o.route === 'direct';
  o.log.line(`$ ${displayCommand(o.from)} | ${displayCommand(o.to)}`);
  const metered = (bytes: number, sha256: string) => (direct ? {} : { bytes, sha256 });
  const nothing = { code: 0, signal: null } as const;
  if (o.dryRun) return { ...metered(0, EMPTY_SHA256), from: nothing, to: nothing, cancelled: false, idle: false, stdout: '', ok: true };
  const skipped = { code: null, signal: null } as const;
  if (o.signal?.aborted) return { ...metered(0, EMPTY_SHA256), from: skipped, to: skipped, cancelled: true, idle: false, stdout: '', ok: false };

  const spawnOpts = { env: { ...o.env }, detached: true, shell: false } as const;
  const sender = spawn(fromCmd, o.from.slice(1), { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] });
  // direct: the receiver inherits the sender's stdout pipe as its stdin; this process lets go of its
  // own end at once (holding it would keep the sender's 'close' from ever coming).
  const receiver = spawn(toCmd, o.to.slice(1), { ...spawnOpts, stdio: [direct ? sender.stdout : 'pipe', 'pipe', 'pipe'] });
  if (direct) sender.stdout.destroy();
  for (const c of [sender, receiver]) c.on('spawn', () => c.pid !== undefined && o.onSpawn?.(c.pid));
  const stopper = new GroupStopper([sender, receiver], o.graceMs);
  const senderDone = exited(sender, fromCmd);
  const receiverDone = exited(receiver, toCmd);

  let lastMove = Date.now();
  const fromErr = o.log.output(`[${fromCmd}] `, (line) => {
    if (direct) lastMove = Date.now();
    return o.onSenderLine?.(line) ?? false;
  });
  const toErr = o.log.output(`[${toCmd}] `);
  sender.stderr.on('data', (d: Buffer) => fromErr.push(d));
  receiver.stderr?.on('data', (d: Buffer) => toErr.push(d));
  const receiverOut = receiverStdout(receiver, o, toCmd);

  let bytes = 0;
  let reportedAt = 0;
  const hash = createHash('sha256');
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      lastMove = Date.now();
      if (lastMove - reportedAt >= ON_BYTES_EVERY_MS) {
        reportedAt = lastMove;
        o.onBytes?.(bytes);
      }
      cb(null, chunk);
    },
  });

  let cancelled = false;
  let idle = false;
  const onAbort = () => {
    cancelled = true;
    o.log.line(`cancel: stopping both sides of the pipe (SIGTERM to process groups ${sender.pid ?? '?'} and ${receiver.pid ?? '?'}, SIGKILL after ${o.graceMs} ms)`);
    stopper.stop();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const idleTimer =
    o.idleTimeoutMs !== undefined
      ? setInterval(() => {
          if (Date.now() - lastMove < (o.idleTimeoutMs as number) || stopper.stopping) return;
          idle = true;
          o.log.line(`no data moved for ${o.idleTimeoutMs} ms: stopping both sides of the pipe`);
          stopper.stop();
        }, Math.min(1000, o.idleTimeoutMs))
      : undefined;

  // Either side failing stops the other: nothing more can usefully flow.
  const stopOther = () => !stopper.stopping && stopper.stop();
  void senderDone.then((r) => r.code !== 0 && stopOther());
  void receiverDone.then((r) => r.code !== 0 && stopOther());
  let flow = Promise.resolve();
  if (!direct && receiver.stdin) {
    receiver.stdin.on('error', () => undefined); // EPIPE: the receiver's exit status says why
    // A broken pipe (receiver gone) or a sender that died: the exit statuses tell the story.
    flow = pipeline(sender.stdout, meter, receiver.stdin).catch(() => void stopOther());
  }

  const [fromResult, toResult] = await Promise.all([senderDone, receiverDone]);
  await flow;
  if (!direct) o.onBytes?.(bytes);
  o.signal?.removeEventListener('abort', onAbort);
  if (idleTimer) clearInterval(idleTimer);
  stopper.done();
  fromErr.end();
  toErr.end();
  for (const r of [fromResult, toResult]) if (r.spawnError) o.log.line(r.spawnError);
  const ok = !cancelled && !idle && fromResult.code === 0 && toResult.code === 0;
  return { ...metered(bytes, hash.digest('hex')), from: fromResult, to: toResult, cancelled, idle, stdout: receiverOut.end(), ok };
}

/** The receiver's stdout: logged (default), captured up to a limit, or dropped. */
function receiverStdout(receiver: ChildProcess, o: PipeOptions, toCmd: string): { end(): string } {
  const toOut = o.toStdout === 'ignore' ? undefined : o.log.output(`[${toCmd}] `);
  const captured: Buffer[] = [];
  let capturedBytes = 0;
  const limit = o.captureLimit ?? 1024 * 1024;
  receiver.stdout?.on('data', (d: Buffer) => {
    if (o.toStdout !== 'capture') return toOut?.push(d);
    if (capturedBytes >= limit) return;
    const part = d.subarray(0, limit - capturedBytes);
    captured.push(part);
    capturedBytes += part.length;
  });
  return {
    end: () => {
      toOut?.end();
      return Buffer.concat(captured).toString('utf8');
    },
  };
}
