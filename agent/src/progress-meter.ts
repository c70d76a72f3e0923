/**
 * @module
 * Fills in the rate and ETA of a step's progress when the step did not compute them: the rate
 * over a sliding window of recent samples (so a stall shows up within seconds, and one burst does
 * not promise an ETA the transfer cannot keep), the ETA from the rate and what is left.
 */
import type { StepProgress } from './kinds/types';

const WINDOW_MS = 10_000;

export class ProgressMeter {
  #samples: Array<{ t: number; done: number }> = [];
  #unit: string | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  fill(p: StepProgress): StepProgress {
    const t = this.now();
    if (p.unit !== this.#unit || (this.#samples.at(-1)?.done ?? 0) > p.done) this.#samples = [];
    this.#unit = p.unit;
    this.#samples.push({ t, done: p.done });
    while (this.#samples.length > 2 && t - (this.#samples[0] as { t: number }).t > WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0] as { t: number; done: number };
    const seconds = (t - first.t) / 1000;
    const rate = p.rate ?? (seconds >= 0.5 ? (p.done - first.done) / seconds : undefined);
    const left = p.total !== undefined ? Math.max(0, p.total - p.done) : undefined;
    const etaSeconds = p.etaSeconds ?? (rate !== undefined && rate > 0 && left !== undefined ? Math.round(left / rate) : undefined);
    return { ...p, ...(rate !== undefined ? { rate } : {}), ...(etaSeconds !== undefined ? { etaSeconds } : {}) };
  }

  reset(): void {
    this.#samples = [];
    this.#unit = undefined;
  }
}
