/**
 * @module
 * A plain accessible table for lists, with a caption for screen readers, an empty state, and
 * the "Load more" footer for cursor pagination (see usePaged). On a phone (≤ 640 px) each row
 * becomes a card: cells stack with their column name beside them (`data-label`), the column marked
 * `phone: 'primary'` leads the card as its title, `phone: 'inline'` cells share one line without
 * their names (short facts: a status, a time), and `phone: 'hide'` drops detail that only fits a
 * wide screen.
 */
import type { ComponentChildren } from 'preact';
import { EmptyState } from './empty-state';
import { ErrorBanner } from './error-banner';
import type { PagedState } from './use-async';

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  class?: string;
  /** How the column behaves when rows become cards on a phone. */
  phone?: 'primary' | 'hide' | 'no-label' | 'inline';
}

const PHONE_CLASS = { primary: 'primary', hide: 'hide-sm', 'no-label': 'no-label', inline: 'inline-sm' } as const;

function cellClass<T>(c: Column<T>): string | undefined {
  return [c.class, c.phone && PHONE_CLASS[c.phone]].filter(Boolean).join(' ') || undefined;
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
  loading,
  testId,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: ComponentChildren;
  loading?: boolean;
  testId?: string;
}) {
  if (rows.length === 0) return loading ? null : <>{empty}</>;
  return (
    <div class="table-wrap">
      <table class="cards" data-testid={testId} aria-busy={loading ? 'true' : 'false'}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" class={c.class}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)} data-row-id={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.header} class={cellClass(c)} data-label={c.header}>
                  <div class="cell">{c.cell(r)}</div>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A DataTable fed by usePaged: error banner, empty state, and the Load more button. */
export function PagedTable<T>({ state, emptyTitle, emptyHint, ...rest }: { state: PagedState<T>; emptyTitle: string; emptyHint?: ComponentChildren } & Omit<Parameters<typeof DataTable<T>>[0], 'rows' | 'empty' | 'loading'>) {
  return (
    <>
      <ErrorBanner error={state.error} onRetry={() => void state.reload()} />
      <DataTable {...rest} rows={state.items} loading={state.loading} empty={state.error ? null : <EmptyState title={emptyTitle}>{emptyHint}</EmptyState>} />
      <div class="load-more" aria-live="polite">
        {state.loading && <span class="muted small">Loading…</span>}
        {!state.loading && state.hasMore && (
          <button type="button" class="secondary" onClick={() => void state.loadMore()}>
            Load more
          </button>
        )}
      </div>
    </>
  );
}
