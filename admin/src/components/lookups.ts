/**
 * @module
 * Names for the ids pages show: job kinds ("Connectivity check", not "connectivity-check") from
 * `GET /api/job-kinds`, and Plex accounts ("Alice", not "account 1") from `GET /api/accounts`.
 * Each list is fetched once per page load and shared by every component (a rename in Settings
 * refreshes it); until it arrives, or for an id it does not know, a readable fallback is shown.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AccountInfo, JobKindInfo } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';

function sharedList<T>(load: () => Promise<T[]>) {
  let data: T[] | null = null;
  let pending: Promise<T[]> | null = null;
  const listeners = new Set<(d: T[]) => void>();
  const fetchNow = (): Promise<T[]> => {
    pending = load()
      .then((d) => {
        data = d;
        listeners.forEach((l) => l(d));
        return d;
      })
      .catch(() => {
        pending = null; // try again on the next use
        return data ?? [];
      });
    return pending;
  };
  return {
    refresh: fetchNow,
    use(): T[] | null {
      const [d, setD] = useState(data);
      useEffect(() => {
        listeners.add(setD);
        if (!pending) void fetchNow();
        else if (data) setD(data);
        return () => void listeners.delete(setD);
      }, []);
      return d;
    },
  };
}

const kinds = sharedList<JobKindInfo>(async () => (await unwrap(client.api['job-kinds'].$get())).items);
const accounts = sharedList<AccountInfo>(async () => (await unwrap(client.api.accounts.$get())).items);

/** "connectivity-check" → "Connectivity check" when the kind is unknown (or not loaded yet). */
export function slugTitle(slug: string): string {
  const s = slug.replace(/[-_]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A function giving each job kind's title. */
export function useKindTitle(): (kind: string) => string {
  const list = kinds.use();
  return (kind) => list?.find((k) => k.kind === kind)?.title ?? slugTitle(kind);
}

export function useAccounts(): AccountInfo[] | null {
  return accounts.use();
}

/** Call after renaming an account so every page shows the new name. */
export const refreshAccounts = (): Promise<AccountInfo[]> => accounts.refresh();

/** A function naming an account id; `fallback` is e.g. the title a webhook carried. */
export function useAccountName(): (id: string | null | undefined, fallback?: string | null) => string {
  const list = accounts.use();
  return (id, fallback) => {
    if (!id) return fallback ?? 'unknown account';
    return list?.find((a) => a.id === id)?.name ?? fallback ?? `Plex account ${id}`;
  };
}

/**
 * Who did something, as stored in createdBy/approvedBy/decidedBy. New rows hold a name; rows
 * written before that hold a principal id, shown in words here.
 */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor) return 'unknown';
  if (actor === 'auto') return 'the matcher';
  if (actor === 'link:local') return 'Local admin';
  if (actor.startsWith('token:')) return 'an admin token';
  if (actor.startsWith('plex:')) return `Plex account ${actor.slice(5)}`;
  return actor;
}
