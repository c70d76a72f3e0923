/**
 * @module
 * The live dashboard feed: one EventSource on `GET /api/overview/stream` for the whole app. On the
 * Overview page it carries the full overview; on every other page only the navigation badge counts
 * (`?scope=badges`, one small query per change on the server). The layout picks the scope, pages
 * read the last answer. EventSource reconnects by itself; when it gives up (an HTTP error closes
 * it for good) we reopen it with backoff. Nothing here polls.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Badges, Overview } from '../../worker/src/contracts';
import { client } from './api';

export type LiveScope = 'overview' | 'badges';
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveState {
  overview: Overview | null;
  /** When (this browser's clock) the overview arrived: positions move on from here, whatever the server's clock says. */
  overviewAt: number;
  badges: Badges | null;
  status: LiveStatus;
}

let state: LiveState = { overview: null, overviewAt: 0, badges: null, status: 'connecting' };
const listeners = new Set<(s: LiveState) => void>();
let source: EventSource | null = null;
let scope: LiveScope | null = null;
let retry: number | undefined;
let delay = 1000;

function set(patch: Partial<LiveState>): void {
  state = { ...state, ...patch };
  listeners.forEach((l) => l(state));
}

function open(): void {
  if (scope === null) return;
  const url = client.api.overview.stream.$url({ query: { scope } });
  const es = new EventSource(url.pathname + url.search, { withCredentials: true });
  source = es;
  es.onopen = () => {
    delay = 1000;
    set({ status: 'live' });
  };
  es.addEventListener('overview', (ev) => {
    const overview = JSON.parse((ev as MessageEvent<string>).data) as Overview;
    set({ overview, overviewAt: Date.now(), badges: overview.badges });
  });
  es.addEventListener('badges', (ev) => set({ badges: JSON.parse((ev as MessageEvent<string>).data) as Badges }));
  es.onerror = () => {
    if (source !== es) return;
    set({ status: 'reconnecting' });
    // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error); we reopen.
    if (es.readyState === EventSource.CLOSED) {
      retry = window.setTimeout(open, delay);
      delay = Math.min(delay * 2, 30_000);
    }
  };
}

function close(): void {
  clearTimeout(retry);
  source?.close();
  source = null;
}

/** Follows `want` (null: no stream, e.g. signed out); reopens only when the scope changes. */
export function useLiveFeed(want: LiveScope | null): LiveState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    return () => {
      listeners.delete(setS);
      // The owner (the signed-in layout) is gone, e.g. after signing out: no stream without it.
      close();
      scope = null;
    };
  }, []);
  useEffect(() => {
    if (want === scope && (source || want === null)) return;
    close();
    scope = want;
    if (want !== null) {
      set({ status: 'connecting' });
      open();
    }
  }, [want]);
  return s;
}

/** The last answer, for pages that only read it (the layout owns the stream). */
export function useLive(): LiveState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => void listeners.delete(setS);
  }, []);
  return s;
}
