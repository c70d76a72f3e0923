/**
 * @module
 * A tiny history-API router: the SPA has a handful of flat routes, so a dependency would be
 * more code than this. Links are plain <a href> intercepted for same-origin paths.
 */
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((l) => l());
  if (location.hash.length > 1 && !location.hash.includes('=')) revealHash(location.hash.slice(1));
  else if (!replace) scrollTo(0, 0);
}

/**
 * Brings `#id` into view once the page has rendered it (pages load their data first, so it may
 * appear a moment later; gives up after a few seconds), and moves focus there for keyboard and
 * screen-reader users. Deep links such as an approval on a job page use it.
 */
export function revealHash(id: string, timeoutMs = 5000): void {
  const show = (el: HTMLElement) => {
    el.scrollIntoView({ block: 'start' });
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
  };
  const found = document.getElementById(id);
  if (found) return show(found);
  const observer = new MutationObserver(() => {
    const el = document.getElementById(id);
    if (el) {
      observer.disconnect();
      clearTimeout(timer);
      show(el);
    }
  });
  const timer = window.setTimeout(() => observer.disconnect(), timeoutMs);
  observer.observe(document.body, { childList: true, subtree: true });
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** The query string, kept current on navigate() and on back/forward (filters kept in the URL). */
export function useSearch(): string {
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const update = () => setSearch(location.search);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return search;
}

/** Route same-origin link clicks through the router instead of full page loads. */
export function interceptLinks(): void {
  document.addEventListener('click', (e) => {
    const a = (e.target as HTMLElement).closest('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  // A deep link opened directly (or reloaded) reveals its target too.
  if (location.hash.length > 1 && !location.hash.includes('=')) revealHash(location.hash.slice(1));
}
