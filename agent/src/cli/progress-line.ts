/**
 * @module
 * The running step's progress in the terminal of `plexops-agent exec`, with the same figures as
 * the admin (contracts/progress.ts). On a terminal it is one line redrawn in place under the log
 * (a log line first erases it, then it is drawn again); otherwise — a pipe, a file, journald —
 * it is an ordinary line every few seconds, so a long transfer still shows it is alive.
 */
import { progressFigures } from '../../../worker/src/contracts/progress';
import type { StepProgress } from '../kinds/types';
import type { Io } from './io';

const ERASE = '\r\x1b[2K';

export class ProgressLine {
  #line = '';
  #drawnAt = Number.NEGATIVE_INFINITY;
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly io: Io,
    private readonly o: { everyMs?: number; redrawMs?: number; now?: () => number } = {},
  ) {}

  get #tty(): boolean {
    return this.io.tty === true && this.io.write !== undefined;
  }

  update(title: string, p: StepProgress): void {
    const figures = progressFigures(p);
    const text = `${title}${p.message ? `: ${p.message}` : ''}${figures ? ` — ${figures}` : ''}`;
    const now = (this.o.now ?? Date.now)();
    if (this.#tty) {
      this.#line = text;
      if (now - this.#drawnAt < (this.o.redrawMs ?? 100)) return;
      this.#drawnAt = now;
      this.io.write?.(`${ERASE}${text.slice(0, 200)}`);
    } else if (now - this.#loggedAt >= (this.o.everyMs ?? 5000) || (p.total !== undefined && p.done >= p.total)) {
      this.#loggedAt = now;
      this.io.out(`progress: ${text}`);
    }
  }

  /** Prints a log line above the progress line. */
  print(line: string): void {
    if (!this.#tty || !this.#line) return this.io.out(line);
    this.io.write?.(`${ERASE}${line}\n${this.#line.slice(0, 200)}`);
  }

  /** The step ended: the progress line goes away. */
  clear(): void {
    if (this.#tty && this.#line) this.io.write?.(ERASE);
    this.#line = '';
    this.#drawnAt = Number.NEGATIVE_INFINITY;
  }
}
