/**
 * @module
 * /activity: Plex webhook stats on top, then the webhook log (filter by status and event — kept
 * in the URL, so a filtered view can be shared and back/forward walk through filters) with a
 * detail drawer showing the stored payload (secret-looking keys masked), the kept headers, and a
 * Replay button that re-runs processing for that delivery (after a fix or a resolved conflict).
 * Failed deliveries — malformed ones included — show why, in words, in the list itself.
 */
import { useState } from 'preact/hooks';
import { navigate, useSearch } from '../router';
import { useAccountName } from '../components/lookups';
import { toast } from '../components/toast';
import type { WebhookLogDetail, WebhookLogItem, WebhookStatus } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { useAsync, usePaged } from '../components/use-async';
import { PagedTable } from '../components/data-table';
import { ErrorBanner } from '../components/error-banner';
import { StatusBadge } from '../components/status-badge';
import { RelativeTime } from '../components/relative-time';
import { Drawer } from '../components/drawer';
import { JsonView } from '../components/json-view';
import { PlexStatsPanel } from '../components/plex-stats';
import { absoluteTime } from '../components/format';
import { Poster } from '../components/poster';

const STATUSES: WebhookStatus[] = ['pending', 'processed', 'ignored', 'duplicate', 'waiting', 'failed'];
const EVENTS = ['media.play', 'media.pause', 'media.resume', 'media.stop', 'media.scrobble', 'media.rate', 'library.new', 'library.on.deck', 'admin.database.backup', 'device.new'];

export function itemLabel(e: Pick<WebhookLogItem, 'title' | 'showTitle' | 'season' | 'episode'>): string {
  if (e.showTitle) {
    const se = e.season !== null && e.episode !== null ? ` S${String(e.season).padStart(2, '0')}E${String(e.episode).padStart(2, '0')}` : '';
    return `${e.showTitle}${se}${e.title ? ` · ${e.title}` : ''}`;
  }
  return e.title ?? '—';
}

/** The filters a URL names (unknown values are ignored, so a hand-edited URL cannot break the page). */
export function filtersOf(search: string): { status: WebhookStatus | ''; event: string } {
  const q = new URLSearchParams(search);
  const status = q.get('status') ?? '';
  const event = q.get('event') ?? '';
  return { status: (STATUSES as string[]).includes(status) ? (status as WebhookStatus) : '', event: /^[\w.-]{1,100}$/.test(event) ? event : '' };
}

function filterUrl(f: { status: string; event: string }): string {
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.event) q.set('event', f.event);
  const qs = q.toString();
  return qs ? `/activity?${qs}` : '/activity';
}

/** Why a delivery failed, as stored; the first line is what matters in a list. */
function Reason({ e }: { e: Pick<WebhookLogItem, 'status' | 'error' | 'action'> }) {
  if (e.error) {
    return (
      <span class="error small" data-testid="failure-reason">
        {e.status === 'failed' && <strong>Failed: </strong>}
        {e.error}
      </span>
    );
  }
  return <>{e.action ?? <span class="muted">—</span>}</>;
}

export function ActivityPage() {
  const stats = useAsync(() => unwrap(client.api.plex.stats.$get()), []);
  const search = useSearch();
  const { status, event } = filtersOf(search);
  // Each change is a history entry: back returns to the previous filter.
  const setStatus = (next: WebhookStatus | '') => navigate(filterUrl({ status: next, event }));
  const setEvent = (next: string) => navigate(filterUrl({ status, event: next }));
  const [openId, setOpenId] = useState<string | null>(null);
  const nameOf = useAccountName();
  const logs = usePaged<WebhookLogItem>(
    (cursor) =>
      unwrap(
        client.api.plex.logs.$get({
          query: { limit: '50', ...(status ? { status } : {}), ...(event ? { event } : {}), ...(cursor ? { cursor } : {}) },
        }),
      ),
    [status, event],
  );

  return (
    <section>
      <div class="page-head">
        <h1>Activity</h1>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            void stats.reload();
            void logs.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <ErrorBanner error={stats.error} onRetry={() => void stats.reload()} />
      {stats.data && <PlexStatsPanel stats={stats.data} />}
      <h2>Webhook log</h2>
      <div class="filters">
        <label for="log-status">Status</label>
        <select id="log-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as WebhookStatus | '')}>
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label for="log-event">Event</label>
        <select id="log-event" value={event} onChange={(e) => setEvent((e.target as HTMLSelectElement).value)}>
          <option value="">All</option>
          {event && !EVENTS.includes(event) && <option value={event}>{event}</option>}
          {EVENTS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <PagedTable
        state={logs}
        caption="Webhook deliveries, newest first"
        testId="webhook-log"
        emptyTitle={status || event ? 'No deliveries match these filters.' : 'No webhooks received yet.'}
        emptyHint={!status && !event && <>Add the webhook URL from <a href="/settings">Settings</a> to Plex, then play something.</>}
        rowKey={(e) => e.id}
        columns={[
          { header: 'Received', phone: 'inline', cell: (e) => <RelativeTime iso={e.receivedAt} /> },
          { header: 'Event', phone: 'inline', cell: (e) => <code class="small">{e.event}</code> },
          { header: 'Status', phone: 'inline', cell: (e) => <StatusBadge status={e.status} /> },
          { header: 'Account', phone: 'inline', cell: (e) => (e.account.id || e.account.title ? nameOf(e.account.id, e.account.title) : '—') },
          {
            header: 'Item',
            phone: 'primary',
            cell: (e) => (
              <span class="with-poster">
                <Poster url={e.posterUrl} title={e.showTitle ?? e.title} size="xs" />
                <span>{itemLabel(e)}</span>
              </span>
            ),
          },
          { header: 'What happened', phone: 'inline', cell: (e) => <Reason e={e} /> },
          { header: 'Time', class: 'num', phone: 'hide', cell: (e) => (e.processingMs !== null ? `${e.processingMs} ms` : '—') },
          {
            header: 'Details',
            phone: 'inline',
            cell: (e) => (
              <button type="button" class="secondary small-btn" onClick={() => setOpenId(e.id)} aria-label={`Details of ${e.event} at ${absoluteTime(e.receivedAt)}`}>
                Details
              </button>
            ),
          },
        ]}
      />
      {openId && (
        <EventDrawer
          id={openId}
          onClose={() => setOpenId(null)}
          onReplayed={(d) => {
            logs.update((x) => x.id === d.id, d);
            void stats.reload();
          }}
        />
      )}
    </section>
  );
}

function EventDrawer({ id, onClose, onReplayed }: { id: string; onClose: () => void; onReplayed: (d: WebhookLogDetail) => void }) {
  const detail = useAsync(() => unwrap(client.api.plex.logs[':id'].$get({ param: { id } })), [id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameOf = useAccountName();
  const d = detail.data;

  const replay = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await unwrap(client.api.plex.logs[':id'].replay.$post({ param: { id } }));
      detail.setData(next);
      onReplayed(next);
      toast(`Replayed: now ${next.status}${next.action ? ` (${next.action})` : ''}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer title={d ? `${d.event}` : 'Webhook delivery'} onClose={onClose}>
      <ErrorBanner error={detail.error} onRetry={() => void detail.reload()} />
      {!d && detail.loading && <p class="muted">Loading…</p>}
      {d && (
        <>
          <ErrorBanner error={error} />
          <dl>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={d.status} />
            </dd>
            <dt>Received</dt>
            <dd>{absoluteTime(d.receivedAt)}</dd>
            <dt>Item</dt>
            <dd>{itemLabel(d)}</dd>
            <dt>Account</dt>
            <dd>
              {d.account.id || d.account.title ? nameOf(d.account.id, d.account.title) : '—'} {d.account.id && <span class="muted">(id {d.account.id})</span>}
            </dd>
            <dt>Server</dt>
            <dd>{d.serverUuid ? <code class="small">{d.serverUuid}</code> : '—'}</dd>
            <dt>Action</dt>
            <dd>{d.action ?? '—'}</dd>
            {d.error && (
              <>
                <dt>{d.status === 'failed' ? 'Why it failed' : 'Error'}</dt>
                <dd class="error" data-testid="drawer-error">
                  {d.error}
                </dd>
              </>
            )}
            <dt>Attempts</dt>
            <dd>
              {d.attempts}
              {d.nextAttemptAt && (
                <span class="muted">
                  {' '}
                  · next retry <RelativeTime iso={d.nextAttemptAt} future />
                </span>
              )}
            </dd>
            {d.waitingConflictId && (
              <>
                <dt>Waiting on</dt>
                <dd>
                  <a href="/conflicts">a match conflict</a> (resolving it re-processes this event)
                </dd>
              </>
            )}
            <dt>Source</dt>
            <dd>{d.sourceIp ?? '—'}</dd>
          </dl>
          <div class="actions" style={{ margin: '1rem 0' }}>
            <button type="button" onClick={replay} disabled={busy}>
              {busy ? 'Replaying…' : 'Replay'}
            </button>
          </div>
          <h3>Headers</h3>
          <JsonView value={d.headers} label="Stored request headers" />
          <h3>Payload</h3>
          <JsonView value={d.payload} label="Stored payload" testId="payload" />
        </>
      )}
    </Drawer>
  );
}
