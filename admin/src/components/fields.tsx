/**
 * @module
 * Labelled form fields that show a server field error under themselves (aria-invalid +
 * aria-describedby), and `issueMap` to turn an ApiError's issues into `{ path: message }`.
 */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export function issueMap(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) for (const i of err.issues) out[i.path] ??= i.message;
  return out;
}

/** The first issue at `path` or under it (`trackedAccountIds.2`). */
export function issueAt(issues: Record<string, string>, path: string): string | undefined {
  return issues[path] ?? Object.entries(issues).find(([k]) => k.startsWith(`${path}.`))?.[1];
}

export function describedBy(id: string, error?: string, hint?: ComponentChildren): string | undefined {
  return error ? `${id}-err` : hint ? `${id}-hint` : undefined;
}

export function Field({ id, label, error, hint, children }: { id: string; label: ComponentChildren; error?: string | undefined; hint?: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {error ? (
        <p class="field-error" id={`${id}-err`} role="alert">
          {error}
        </p>
      ) : hint ? (
        <p class="muted small hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function CheckField({ id, label, checked, onChange, hint }: { id: string; label: ComponentChildren; checked: boolean; onChange: (v: boolean) => void; hint?: ComponentChildren }) {
  return (
    <div class="field field-check">
      <input id={id} type="checkbox" checked={checked} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
      <label for={id}>{label}</label>
      {hint && (
        <p class="muted small hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
