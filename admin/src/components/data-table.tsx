/**
 * @module
 * A plain accessible table for lists, with a caption for screen readers, an empty state, and
 * the "Load more" footer for cursor pagination (see usePaged).
 */
import type { ComponentChildren } from 'preact';
import { EmptyState } from './empty-state';
import { ErrorBanner } from './error-banner';
import type { PagedState } from './use-async';

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  class?: string;
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
      <table data-testid={testId} aria-busy={loading ? 'true' : 'false'}>
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
                <td key={c.header} class={c.class}>
                  {c.cell(r)}
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
