/**
 * @module
 * Progress of a long operation (architecture principle 5): a real `role=progressbar` with done /
 * total in the job's unit (bytes, files, items, percent), the rate, an ETA, and the job's message.
 * Without a total it is indeterminate and says only what was done so far. The figures read the
 * same as in the agent's terminal (contracts/progress.ts).
 */
import { progressFigures, progressRatio, type ProgressValues } from '../../../worker/src/contracts/progress';

export type ProgressInfo = ProgressValues;

/** `amounts: false` keeps the numbers out of the visible text (the caller's message already says them). */
export function ProgressBar({ progress, label = 'Progress', amounts = true }: { progress: ProgressInfo; label?: string; amounts?: boolean }) {
  const ratio = progressRatio(progress);
  const text = progressFigures(progress);
  const { message } = progress;
  return (
    <div class="progress" data-testid="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={ratio === null ? undefined : Math.round(ratio * 100)}
        aria-valuetext={text || message || 'in progress'}
      >
        <div class={`progress-fill${ratio === null ? ' indeterminate' : ''}`} style={{ width: ratio === null ? '30%' : `${ratio * 100}%` }} />
      </div>
      <div class="progress-text small">
        {message && <span>{message}</span>}
        {text && amounts && <span class="muted">{text}</span>}
      </div>
    </div>
  );
}
