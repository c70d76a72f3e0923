/**
 * @module
 * Who is signed in, as a tiny shared store: the layout, the sign-in page and every page
 * that gets a 401 read and update the same state.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Principal } from '../../worker/src/contracts';
import { ApiError, client, unwrap } from './api';

export type SessionState = { status: 'loading' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; principal: Principal };

let state: SessionState = { status: 'loading' };
const listeners = new Set<(s: SessionState) => void>();

function set(next: SessionState): void {
  state = next;
  listeners.forEach((l) => l(next));
}

export async function refreshSession(): Promise<void> {
  try {
    const { principal } = await unwrap(client.api.me.$get());
    set({ status: 'signed-in', principal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) set({ status: 'signed-out' });
    else set({ status: 'signed-out', reason: err instanceof Error ? err.message : String(err) });
  }
}

export async function signOut(): Promise<void> {
  await unwrap(client.auth['sign-out'].$post()).catch(() => undefined);
  set({ status: 'signed-out' });
}

export function useSession(): SessionState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    if (state.status === 'loading') void refreshSession();
    return () => void listeners.delete(setS);
  }, []);
  return s;
}
