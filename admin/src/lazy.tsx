/**
 * @module
 * Code-split pages: the page's module is fetched the first time it is shown (its own chunk, so the
 * first load stays small), with a quiet placeholder meanwhile and the usual error banner if the
 * chunk cannot be fetched (e.g. a deploy replaced it: reloading fixes that).
 */
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBanner } from './components/error-banner';

export function lazyPage<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | null = null;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<FunctionComponent<P> | null>(() => loaded);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (Page) return;
      load()
        .then((c) => {
          loaded = c;
          setPage(() => c);
        })
        .catch((err) => setError(new Error(`This page could not be loaded (${err instanceof Error ? err.message : String(err)}). Reload to try again.`)));
    }, []);
    if (error) return <ErrorBanner error={error} onRetry={() => location.reload()} />;
    if (!Page) return <p class="muted loading">Loading…</p>;
    return <Page {...props} />;
  };
}
