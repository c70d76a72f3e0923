/**
 * @module
 * A side panel for details (a modal dialog): the native <dialog> gives focus trapping and Esc
 * for free; closing returns focus to whatever opened it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Drawer({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog
      ref={ref}
      class="drawer"
      aria-labelledby="drawer-title"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === ref.current) onClose(); // click on the backdrop
      }}
    >
      <header class="drawer-head">
        <h2 id="drawer-title">{title}</h2>
        <button type="button" class="secondary" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <div class="drawer-body">{children}</div>
    </dialog>
  );
}
