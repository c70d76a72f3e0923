/**
 * @module
 * The Settings page's Sessions card: everyone signed in to this admin (who, how, which browser,
 * since when, last seen) with "End" per session and "End all other sessions" — what to do after
 * a lost phone or a leaked token. Revoking an admin token (CLI) already ends its sessions.
 */
import { useState } from 'preact/hooks';
import type { SessionInfo } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { useAsync } from './use-async';
import { DataTable } from './data-table';
import { EmptyState } from './empty-state';
import { ErrorBanner } from './error-banner';
import { toast } from './toast';
import { RelativeTime } from './relative-time';
import { ConfirmButton } from './confirm-button';

const VIA: Record<SessionInfo['via'], string> = { 'admin-token': 'admin token', plex: 'Plex', 'sign-in-link': 'sign-in link' };

export function SessionsPanel() {
  const sessions = useAsync(async () => (await unwrap(client.api.sessions.$get())).items, []);
  const [error, setError] = useState<unknown>(null);

  const act = async (what: () => Promise<string>) => {
    setError(null);
    try {
      const done = await what();
      await sessions.reload();
      toast(done);
    } catch (err) {
      setError(err);
    }
  };
  const end = (s: SessionInfo) =>
    act(async () => {
      await unwrap(client.api.sessions[':id'].$delete({ param: { id: s.id } }));
      return `The session of ${s.principalName} was ended.`;
    });
  const endOthers = () =>
    act(async () => {
      const { revoked } = await unwrap(client.api.sessions['revoke-others'].$post());
      return `${revoked} other session${revoked === 1 ? '' : 's'} ended.`;
    });

  const others = (sessions.data ?? []).filter((s) => !s.current).length;
  return (
    <section class="card" aria-labelledby="sessions-title" data-testid="sessions">
      <h2 id="sessions-title">Sessions</h2>
      <p class="small muted">Everyone signed in to this admin. Ending a session signs that browser out at once.</p>
      <ErrorBanner error={error} />
      <ErrorBanner error={sessions.error} onRetry={() => void sessions.reload()} />
      {sessions.loading && !sessions.data && <p class="muted">Loading sessions…</p>}
      {sessions.data && (
        <DataTable
          caption="Signed-in sessions"
          testId="sessions-table"
          rows={sessions.data}
          rowKey={(s) => s.id}
          empty={<EmptyState title="No browser sessions.">Sign-ins with a browser show up here.</EmptyState>}
          columns={[
            {
              header: 'Who',
              cell: (s) => (
                <>
                  <strong>{s.principalName}</strong> {s.current && <span class="badge badge-ok">this browser</span>}
                  <div class="small muted">via {VIA[s.via]}</div>
                  {/* In the first column, so a phone shows it without scrolling the table sideways. */}
                  {!s.current && <ConfirmButton label="End" confirmLabel="Yes, end it" question={`${s.principalName} will be signed out on that browser.`} onConfirm={() => end(s)} />}
                </>
              ),
            },
            {
              header: 'Browser',
              cell: (s) => (
                <>
                  <span class="small">{s.userAgent ?? <span class="muted">unknown browser</span>}</span>
                  <div class="small muted">
                    signed in <RelativeTime iso={s.createdAt} /> · last seen <RelativeTime iso={s.lastSeenAt} />
                  </div>
                </>
              ),
            },
          ]}
        />
      )}
      {others > 0 && (
        <ConfirmButton label="End all other sessions" confirmLabel="Yes, end them" question={`${others} session${others === 1 ? '' : 's'} will be signed out; this one stays.`} onConfirm={endOthers} />
      )}
    </section>
  );
}
