/**
 * @module
 * Progress of a long operation (architecture principle 5): a real `role=progressbar` with done /
 * total in the job's unit (bytes, files, items, percent), an ETA, and the job's message.
 * Without a total it is indeterminate and says only what was done so far.
 */
import { formatBytes, formatDuration } from './format';

export interface ProgressInfo {
  done?: number | undefined;
  total?: number | undefined;
  unit?: 'bytes' | 'files' | 'items' | 'percent' | undefined;
  etaSeconds?: number | undefined;
  message?: string | undefined;
}

function amount(n: number, unit: ProgressInfo['unit']): string {
  if (unit === 'bytes') return formatBytes(n);
  if (unit === 'percent') return `${Math.round(n)} %`;
  const s = Math.round(n).toLocaleString();
  return unit ? `${s} ${unit}` : s;
}

/** `amounts: false` keeps the numbers out of the visible text (the caller's message already says them). */
export function ProgressBar({ progress, label = 'Progress', amounts = true }: { progress: ProgressInfo; label?: string; amounts?: boolean }) {
  const { done, total, unit, etaSeconds, message } = progress;
  const max = unit === 'percent' ? 100 : total;
  const ratio = done !== undefined && max ? Math.min(1, Math.max(0, done / max)) : null;
  const text = [
    done !== undefined && (unit === 'percent' || total === undefined ? amount(done, unit) : `${amount(done, unit)} of ${amount(total, unit)}`),
    ratio !== null && unit !== 'percent' && `${Math.floor(ratio * 100)} %`,
    etaSeconds !== undefined && ratio !== 1 && `about ${formatDuration(etaSeconds)} left`,
  ]
    .filter(Boolean)
    .join(' · ');
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
