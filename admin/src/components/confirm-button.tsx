/**
 * @module
 * A destructive action that asks first, inline: the first click turns into "Confirm / Keep"
 * buttons (no window.confirm, which blocks and cannot be styled or explained).
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  disabled,
  danger = true,
}: {
  label: string;
  confirmLabel?: string;
  question: ComponentChildren;
  onConfirm: () => Promise<unknown> | unknown;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button type="button" class={danger ? 'danger' : 'secondary'} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={label}>
      <span class="confirm-question">{question}</span>
      <button
        type="button"
        class={danger ? 'danger' : ''}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirmLabel ?? `Yes, ${label.toLowerCase()}`}
      </button>
      <button type="button" class="secondary" disabled={busy} onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
