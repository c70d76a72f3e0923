/**
 * @module
 * SIGINT/SIGTERM escalation, as operators expect from CI agents: the first asks for a graceful
 * stop (finish the current step, then stop), the second cancels the running step (SIGTERM to its
 * process group, grace, SIGKILL), the third exits with status 1 at once.
 */
import type { Logger } from './logger';

export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', fn: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', fn: () => void): unknown;
}

export class StopSignals {
  readonly graceful = new AbortController();
  readonly hard = new AbortController();
  #count = 0;
  readonly #handler = () => this.receive();

  constructor(
    private readonly logger: Logger,
    private readonly exit: (code: number) => void = (c) => process.exit(c),
    private readonly source: SignalSource = process,
  ) {}

  get count(): number {
    return this.#count;
  }

  install(): this {
    this.source.on('SIGINT', this.#handler);
    this.source.on('SIGTERM', this.#handler);
    return this;
  }

  uninstall(): void {
    this.source.off('SIGINT', this.#handler);
    this.source.off('SIGTERM', this.#handler);
  }

  receive(): void {
    this.#count++;
    if (this.#count === 1) {
      this.logger.warn('stop requested: finishing the current step, then stopping (signal again to cancel the step)');
      this.graceful.abort('graceful');
    } else if (this.#count === 2) {
      this.logger.warn('second stop signal: cancelling the running step (signal again to exit immediately)');
      this.hard.abort('hard');
    } else {
      this.logger.error('third stop signal: exiting now');
      this.exit(1);
    }
  }
}
