/**
 * @module
 * Children run in their own process groups (`detached: true`), so a signal reaches everything
 * they started — an `ssh` and its `tar`, a `kubectl` and its plugins. Stopping is SIGTERM to the
 * group, then SIGKILL once the grace has passed; after a child exits, a last SIGKILL clears any
 * grandchild that outlived its leader.
 */
import type { ChildProcess } from 'node:child_process';

export function signalGroup(pid: number, sig: NodeJS.Signals): void {
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

const running = (c: ChildProcess) => c.pid !== undefined && c.exitCode === null && c.signalCode === null;

/** SIGTERM now, SIGKILL after `graceMs` — for one child or several stopped together. */
export class GroupStopper {
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(
    private readonly children: readonly ChildProcess[],
    private readonly graceMs: number,
  ) {}

  get stopping(): boolean {
    return this.#stopping;
  }

  stop(): void {
    this.#stopping = true;
    for (const c of this.children) if (running(c)) signalGroup(c.pid as number, 'SIGTERM');
    this.#timer ??= setTimeout(() => {
      for (const c of this.children) if (c.pid !== undefined) signalGroup(c.pid, 'SIGKILL');
    }, this.graceMs);
    this.#timer.unref?.();
  }

  /** After every child exited: clear the timer, and kill leftovers of a stopped group. */
  done(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#stopping) for (const c of this.children) if (c.pid !== undefined) signalGroup(c.pid, 'SIGKILL');
  }
}

/** "ENOENT" → "kubectl: command not found"; anything else as the OS said it. */
export function describeSpawnError(cmd: string, e: Error): string {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd}: command not found` : e.message;
}
