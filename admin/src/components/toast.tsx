/**
 * @module
 * Transient confirmations ("Settings saved.", "Step approved."): `toast(message)` from anywhere,
 * shown by the one `<Toasts />` region and gone by themselves after a few seconds (or on Dismiss),
 * so an outcome never lingers as a status line that no longer says anything true. The region is
 * a polite live region: screen readers hear each message once. Errors stay in ErrorBanner, which
 * does not go away by itself. The region is a manual popover, so it sits in the top layer above
 * an open modal (the Activity drawer is a <dialog>): a toast is never hidden behind a backdrop.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Toast {
  id: number;
  message: string;
  tone: 'ok' | 'info';
}

/** How long a toast stays: long enough to read a sentence twice. */
export const TOAST_MS = 5_000;

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<(t: Toast[]) => void>();

function publish(next: Toast[]): void {
  toasts = next;
  listeners.forEach((l) => l(next));
}

export function dismissToast(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

export function toast(message: string, tone: Toast['tone'] = 'ok'): void {
  const t = { id: nextId++, message, tone };
  // At most three at once: a burst of actions should not bury the page.
  publish([...toasts.slice(-2), t]);
  window.setTimeout(() => dismissToast(t.id), TOAST_MS);
}

/**
 * Keeps the region in the top layer, re-entering it so it stacks above a dialog opened since. It
 * stays open while empty (it is transparent and lets clicks through): a live region must exist
 * before its content changes for screen readers to announce the change.
 */
function raise(el: HTMLElement | null): void {
  if (!el || typeof el.showPopover !== 'function') return;
  if (el.matches(':popover-open')) el.hidePopover();
  el.showPopover();
}

export function Toasts() {
  const [list, setList] = useState(toasts);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    listeners.add(setList);
    return () => void listeners.delete(setList);
  }, []);
  const count = list.length;
  const seen = useRef(0);
  useEffect(() => {
    // Only a new toast needs raising; a dismissal must not re-enter (and re-announce) the region.
    if (count >= seen.current) raise(ref.current);
    seen.current = count;
  }, [list]);
  return (
    <div ref={ref} popover="manual" class="toasts" role="status" aria-live="polite" data-testid="toasts">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`}>
          <span>{t.message}</span>
          <button type="button" class="link" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
