/**
 * @module
 * Settings → Plex accounts: every account the tracker knows (seen on webhooks, or listed as
 * tracked), with the name it is shown as everywhere. A person can give each a name ("Alice"
 * rather than Plex's "owner"), or clear it to go back to the title Plex sends.
 */
import { useState } from 'preact/hooks';
import type { AccountInfo } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { ErrorBanner } from './error-banner';
import { Field, describedBy, issueMap } from './fields';
import { RelativeTime } from './relative-time';
import { refreshAccounts, useAccounts } from './lookups';
import { toast } from './toast';

export function AccountsCard() {
  const accounts = useAccounts();
  return (
    <section class="card" aria-labelledby="accounts-title" data-testid="accounts-card">
      <h2 id="accounts-title">Plex accounts</h2>
      <p class="small muted">Each Plex account (and shared user) has its own watch history. Give them names people recognise; they are used on every page.</p>
      {accounts === null && <p class="muted">Loading accounts…</p>}
      {accounts?.length === 0 && <p class="muted">No account has sent a webhook yet.</p>}
      {accounts?.map((a) => <AccountRow key={a.id} account={a} />)}
    </section>
  );
}

function AccountRow({ account: a }: { account: AccountInfo }) {
  const [name, setName] = useState(a.displayName ?? '');
  const [error, setError] = useState<unknown>(null);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const id = `account-${a.id}`;

  const save = async (displayName: string | null) => {
    setBusy(true);
    setError(null);
    setFieldError(undefined);
    try {
      const r = await unwrap(client.api.accounts[':id'].$put({ param: { id: a.id }, json: { displayName } }));
      setName(r.account.displayName ?? '');
      await refreshAccounts();
      toast(displayName === null ? `Account ${a.id} is shown as “${r.account.name}” again.` : `Account ${a.id} is now shown as “${r.account.name}”.`);
    } catch (err) {
      const issues = issueMap(err);
      if (issues.displayName) setFieldError(issues.displayName);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hint = `Plex calls it ${a.plexTitle ? `“${a.plexTitle}”` : 'nothing yet'} · id ${a.id}${a.tracked ? '' : ' · not tracked'}`;
  return (
    <form
      class="account-row"
      data-testid={id}
      onSubmit={(e) => {
        e.preventDefault();
        void save(name.trim() === '' ? null : name);
      }}
    >
      <Field id={id} label={<>Name for {a.name}</>} error={fieldError} hint={hint}>
        <input id={id} value={name} placeholder={a.plexTitle ?? `Plex account ${a.id}`} aria-invalid={fieldError ? 'true' : undefined} aria-describedby={describedBy(id, fieldError, hint)} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </Field>
      <div class="actions">
        <button type="submit" class="secondary small-btn" disabled={busy}>
          Save name
        </button>
        <span class="small muted">
          last seen <RelativeTime iso={a.lastSeenAt} fallback="never" />
        </span>
      </div>
      <ErrorBanner error={error} />
    </form>
  );
}
