/** @module `usePageTitle`: every page names itself in the tab and the history ("Library · plexops"). */
import { useEffect } from 'preact/hooks';

export const APP_NAME = 'plexops';

export function pageTitle(title: string | null | undefined): string {
  return title ? `${title} · ${APP_NAME}` : APP_NAME;
}

export function usePageTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = pageTitle(title);
  }, [title]);
}
