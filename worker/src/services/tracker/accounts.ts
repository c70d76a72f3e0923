/**
 * @module
 * The household's Plex accounts for the admin: everyone a webhook has named, plus the ids in the
 * tracked list not seen yet (so a person can mark episodes for them or name them in advance).
 * The name shown is one place's decision (`ACCOUNT_NAME_SQL`): the name chosen in Settings, else
 * the title Plex last sent, else "Plex account <id>".
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import type { AccountInfo } from '../../contracts/accounts';
import { AppError } from '../../errors';

/** The display name of a `tracker_accounts` row aliased `ta` (null when the row has neither name). */
export const ACCOUNT_NAME_SQL = sql`coalesce(ta.display_name, ta.title)`;

export function fallbackAccountName(id: string): string {
  return `Plex account ${id}`;
}

interface Row extends Record<string, unknown> {
  account_id: string;
  title: string | null;
  display_name: string | null;
  last_seen_at: Date | string | null;
}

export async function listAccounts(db: DbOrTx, trackedAccountIds: readonly string[]): Promise<AccountInfo[]> {
  const tracked = new Set(trackedAccountIds);
  const { rows } = await db.execute<Row>(sql`SELECT account_id, title, display_name, last_seen_at FROM tracker_accounts ORDER BY account_id LIMIT 1000`);
  const byId = new Map(rows.map((r) => [r.account_id, r]));
  for (const id of tracked) if (!byId.has(id)) byId.set(id, { account_id: id, title: null, display_name: null, last_seen_at: null });
  return [...byId.values()]
    .map((r) => ({
      id: r.account_id,
      name: r.display_name ?? r.title ?? fallbackAccountName(r.account_id),
      displayName: r.display_name,
      plexTitle: r.title,
      lastSeenAt: r.last_seen_at ? new Date(r.last_seen_at).toISOString() : null,
      tracked: tracked.size === 0 || tracked.has(r.account_id),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Sets (or with null, clears) the name a person chose; the account need not have been seen yet. */
export async function renameAccount(db: DbOrTx, accountId: string, displayName: string | null, trackedAccountIds: readonly string[]): Promise<void> {
  const { rows } = await db.execute<{ account_id: string }>(sql`
    UPDATE tracker_accounts SET display_name = ${displayName} WHERE account_id = ${accountId} RETURNING account_id`);
  if (rows.length) return;
  // Never seen: only an account the tracked list names may be named ahead of its first webhook.
  if (!trackedAccountIds.includes(accountId)) throw new AppError('NOT_FOUND', `No Plex account ${accountId} has been seen, and it is not in the tracked accounts.`);
  await db.execute(sql`
    INSERT INTO tracker_accounts (account_id, title, display_name, last_seen_at) VALUES (${accountId}, NULL, ${displayName}, NULL)
    ON CONFLICT (account_id) DO UPDATE SET display_name = excluded.display_name`);
}
