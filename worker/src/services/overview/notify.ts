/**
 * @module
 * Tells live dashboards that something they show has changed (a webhook stored or processed, a
 * conflict decided, an episode marked, the settings saved). Only the hub hears it — no SQL — and a
 * dashboard re-reads only if one is open. Best effort: a failed poke never fails the change itself;
 * the dashboard catches up on its next read.
 */
import type { Bindings } from '../../env';
import { getHub } from '../../hub/hub-client';

export async function pokeOverview(env: Bindings | undefined): Promise<void> {
  try {
    await getHub(env).pokeOverview();
  } catch {
    // the next change or the dashboard's own refresh brings it up to date
  }
}
