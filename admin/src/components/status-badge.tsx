/** @module A coloured pill for a status word; the word itself is always shown (colour is never the only cue). */

type Tone = 'ok' | 'warn' | 'err' | 'info' | 'neutral';

const TONES: Record<string, Tone> = {
  succeeded: 'ok', processed: 'ok', mapped: 'ok', online: 'ok', resolved: 'ok', watched: 'ok', accepted: 'ok',
  running: 'info', claimed: 'info', pending: 'info', preview: 'info', queued: 'neutral', open: 'warn',
  awaiting_approval: 'warn', waiting: 'warn', conflict: 'warn', needs_attention: 'warn', duplicate: 'neutral',
  failed: 'err', revoked: 'err', offline: 'neutral', never_connected: 'neutral', cancelled: 'neutral', ignored: 'neutral', disabled: 'neutral',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'neutral';
  return (
    <span class={`badge badge-${tone}`} data-status={status}>
      {label ?? status.replace(/_/g, ' ')}
    </span>
  );
}
