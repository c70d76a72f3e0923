/**
 * @module
 * Data hooks for pages: `useAsync` loads one thing, `usePaged` walks a cursor-paginated list
 * (`{ items, nextCursor }`) with "Load more". Both drop answers that arrive after their inputs
 * changed, so a slow old filter never overwrites a fast new one.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replace the data locally (after a mutation that returned the new value). */
  setData: (d: T) => void;
}

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const gen = useRef(0);
  const run = useCallback(async () => {
    const mine = ++gen.current;
    setLoading(true);
    try {
      const d = await load();
      if (mine !== gen.current) return;
      setData(d);
      setError(null);
    } catch (err) {
      if (mine === gen.current) setError(err);
    } finally {
      if (mine === gen.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's
  }, deps);
  useEffect(() => {
    void run();
    return () => void gen.current++;
  }, [run]);
  return { data, error, loading, reload: run, setData };
}

export interface PagedState<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadMore: () => Promise<void>;
  reload: () => Promise<void>;
  /** Patch one loaded item in place (after a mutation). */
  update: (match: (t: T) => boolean, next: T | null) => void;
}

export function usePaged<T>(loadPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>, deps: unknown[]): PagedState<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const gen = useRef(0);

  const fetchPage = async (from: string | undefined, append: boolean) => {
    const mine = append ? gen.current : ++gen.current;
    setLoading(true);
    try {
      const page = await loadPage(from);
      if (mine !== gen.current) return;
      setItems((prev) => (append ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setError(null);
    } catch (err) {
      if (mine === gen.current) setError(err);
    } finally {
      if (mine === gen.current) setLoading(false);
    }
  };

  // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's
  const reload = useCallback(() => fetchPage(undefined, false), deps);
  useEffect(() => {
    void reload();
    return () => void gen.current++;
  }, [reload]);

  return {
    items,
    error,
    loading,
    hasMore: cursor !== null,
    loadMore: () => (cursor ? fetchPage(cursor, true) : Promise.resolve()),
    reload,
    update: (match, next) => setItems((prev) => (next === null ? prev.filter((t) => !match(t)) : prev.map((t) => (match(t) ? next : t)))),
  };
}
