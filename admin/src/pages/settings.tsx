/**
 * @module
 * /settings: the Plex integration (GET/PUT /api/plex/config). Secrets (Plex token, TMDB key) are
 * write-only: the page says whether one is set and offers to replace or clear it, and never holds
 * a stored value (the API never returns one; typed values are dropped after saving). The webhook
 * URL, its rotation and disabling live in the WebhookCard.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PlexConfig } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { useAsync } from '../components/use-async';
import { ErrorBanner } from '../components/error-banner';
import { CheckField, Field, describedBy, issueAt, issueMap } from '../components/fields';
import { WebhookCard } from '../components/webhook-card';
import { SessionsPanel } from '../components/sessions-panel';
import { AccountsCard } from '../components/accounts-card';
import { toast } from '../components/toast';
import { THRESHOLD_MESSAGE, thresholdRatio } from '../components/threshold';

interface Draft {
  enabled: boolean;
  autoAddShows: boolean;
  autoMarkWatched: boolean;
  thresholdPercent: string;
  trackedAccountIds: string;
  serverUuid: string;
  rateLimitPerMinute: string;
  playWindowMinutes: string;
  secretGraceHours: string;
  logRetentionDays: string;
}

function draftOf(c: PlexConfig): Draft {
  return {
    enabled: c.enabled,
    autoAddShows: c.autoAddShows,
    autoMarkWatched: c.autoMarkWatched,
    thresholdPercent: String(Math.round(c.watchedThreshold * 1000) / 10),
    trackedAccountIds: c.trackedAccountIds.join(', '),
    serverUuid: c.serverUuid ?? '',
    rateLimitPerMinute: String(c.rateLimitPerMinute),
    playWindowMinutes: String(c.playWindowMinutes),
    secretGraceHours: String(c.secretGraceHours),
    logRetentionDays: String(c.logRetentionDays),
  };
}

/** A number field's text → number; non-numbers are sent as-is so the server names the field. */
function num(s: string): number {
  return s.trim() === '' ? Number.NaN : Number(s);
}

/** What PUT /api/plex/config takes, as the typed client sees it. */
type ConfigUpdate = Parameters<typeof client.api.plex.config.$put>[0]['json'];

type SecretEdit = { mode: 'keep' } | { mode: 'set'; value: string } | { mode: 'clear' };

export function SettingsPage() {
  const config = useAsync(() => unwrap(client.api.plex.config.$get()), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [plexToken, setPlexToken] = useState<SecretEdit>({ mode: 'keep' });
  const [tmdbKey, setTmdbKey] = useState<SecretEdit>({ mode: 'keep' });
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (config.data) setDraft(draftOf(config.data));
  }, [config.data]);

  const c = config.data;
  if (!c || !draft) {
    return (
      <section>
        <h1>Settings</h1>
        <ErrorBanner error={config.error} onRetry={() => void config.reload()} />
        {config.loading && <p class="muted">Loading settings…</p>}
      </section>
    );
  }
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft({ ...draft, [k]: v });

  const save = async (e: Event) => {
    e.preventDefault();
    setIssues({});
    setError(null);
    const ratio = thresholdRatio(draft.thresholdPercent);
    if (ratio === null) {
      // Checked here so the message can speak in percent; the server checks again.
      setIssues({ watchedThreshold: THRESHOLD_MESSAGE });
      return;
    }
    setBusy(true);
    const body: ConfigUpdate = {
      enabled: draft.enabled,
      autoAddShows: draft.autoAddShows,
      autoMarkWatched: draft.autoMarkWatched,
      watchedThreshold: ratio,
      trackedAccountIds: draft.trackedAccountIds.split(/[,\s]+/).filter(Boolean),
      serverUuid: draft.serverUuid.trim() || null,
      rateLimitPerMinute: num(draft.rateLimitPerMinute),
      playWindowMinutes: num(draft.playWindowMinutes),
      secretGraceHours: num(draft.secretGraceHours),
      logRetentionDays: num(draft.logRetentionDays),
    };
    if (plexToken.mode !== 'keep') body.plexToken = plexToken.mode === 'set' ? plexToken.value : null;
    if (tmdbKey.mode !== 'keep') body.tmdbApiKey = tmdbKey.mode === 'set' ? tmdbKey.value : null;
    try {
      const next = await unwrap(client.api.plex.config.$put({ json: body }));
      config.setData(next);
      // Drop typed secrets as soon as the server has them.
      setPlexToken({ mode: 'keep' });
      setTmdbKey({ mode: 'keep' });
      toast('Settings saved.');
    } catch (err) {
      const found = issueMap(err);
      if (found.watchedThreshold) found.watchedThreshold = THRESHOLD_MESSAGE;
      setIssues(found);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const thresholdError = issueAt(issues, 'watchedThreshold');
  return (
    <section>
      <h1>Settings</h1>
      <WebhookCard config={c} onChange={(next) => config.setData(next)} />
      <form class="card form" onSubmit={save} noValidate aria-labelledby="plex-settings-title">
        <h2 id="plex-settings-title">Plex integration</h2>
        <ErrorBanner error={error} />
        <CheckField id="cfg-enabled" label="Enabled" checked={draft.enabled} onChange={(v) => set('enabled', v)} hint="When off, webhooks are answered but not processed." />
        <CheckField id="cfg-auto-add" label="Add new shows and movies automatically" checked={draft.autoAddShows} onChange={(v) => set('autoAddShows', v)} hint="On library.new, and when a watched item is not in the catalog yet." />
        <CheckField id="cfg-auto-watched" label="Mark watched automatically" checked={draft.autoMarkWatched} onChange={(v) => set('autoMarkWatched', v)} hint="On scrobble, and on stop at or past the threshold below." />
        <Field id="cfg-threshold" label="Watched threshold (%)" error={thresholdError} hint="A stop at or past this share of the runtime counts as watched (Plex itself scrobbles at 90 %).">
          <input
            id="cfg-threshold"
            inputMode="decimal"
            value={draft.thresholdPercent}
            aria-invalid={thresholdError ? 'true' : undefined}
            aria-describedby={describedBy('cfg-threshold', thresholdError, true)}
            onInput={(e) => set('thresholdPercent', (e.target as HTMLInputElement).value)}
          />
        </Field>
        <TextInput id="cfg-accounts" label="Tracked Plex account ids" value={draft.trackedAccountIds} onInput={(v) => set('trackedAccountIds', v)} error={issueAt(issues, 'trackedAccountIds')} hint="Comma separated Account.id numbers. Empty = every account on the server." />
        <TextInput
          id="cfg-server"
          label="Plex server UUID"
          value={draft.serverUuid}
          onInput={(v) => set('serverUuid', v)}
          error={issueAt(issues, 'serverUuid')}
          hint="Only accept webhooks from this Server.uuid. Empty = any server. New-item events (library.new), which Plex sends without a server, are still accepted."
        />

        <h3>Secrets</h3>
        <SecretInput id="cfg-plex-token" label="Plex token" isSet={c.hasPlexToken} edit={plexToken} onEdit={setPlexToken} error={issueAt(issues, 'plexToken')} />
        <SecretInput id="cfg-tmdb-key" label="TMDB API key or read token" isSet={c.hasTmdbKey} edit={tmdbKey} onEdit={setTmdbKey} error={issueAt(issues, 'tmdbApiKey')} />
        <p class="muted small">Secrets are encrypted at rest and can be replaced or cleared, never read back. Without a TMDB key, matching uses only what Plex sends.</p>

        <details>
          <summary>Limits and retention</summary>
          <TextInput id="cfg-rate" label="Webhook rate limit (per minute)" value={draft.rateLimitPerMinute} onInput={(v) => set('rateLimitPerMinute', v)} error={issueAt(issues, 'rateLimitPerMinute')} />
          <TextInput id="cfg-window" label="One play per item within (minutes)" value={draft.playWindowMinutes} onInput={(v) => set('playWindowMinutes', v)} error={issueAt(issues, 'playWindowMinutes')} hint="Re-fired scrobbles inside this window are not counted twice." />
          <TextInput id="cfg-grace" label="Old webhook URL stays valid after rotation (hours)" value={draft.secretGraceHours} onInput={(v) => set('secretGraceHours', v)} error={issueAt(issues, 'secretGraceHours')} />
          <TextInput id="cfg-retention" label="Keep webhook log (days)" value={draft.logRetentionDays} onInput={(v) => set('logRetentionDays', v)} error={issueAt(issues, 'logRetentionDays')} />
        </details>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </form>
      <AccountsCard />
      <SessionsPanel />
    </section>
  );
}

function TextInput({ id, label, value, onInput, error, hint }: { id: string; label: string; value: string; onInput: (v: string) => void; error?: string | undefined; hint?: string }) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      <input id={id} value={value} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(id, error, hint)} onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
    </Field>
  );
}

/** A write-only secret: shows set / not set, takes a new value, or clears it. Never shows a stored value. */
function SecretInput({ id, label, isSet, edit, onEdit, error }: { id: string; label: string; isSet: boolean; edit: SecretEdit; onEdit: (e: SecretEdit) => void; error?: string | undefined }) {
  const state = edit.mode === 'clear' ? 'will be cleared on save' : edit.mode === 'set' && edit.value ? 'will be replaced on save' : isSet ? 'set' : 'not set';
  return (
    <Field
      id={id}
      label={
        <>
          {label}{' '}
          <span class={`badge secret-state ${isSet && edit.mode !== 'clear' ? 'badge-ok' : 'badge-neutral'}`} data-testid={`${id}-state`}>
            {state}
          </span>
        </>
      }
      error={error}
      hint={isSet ? 'Type a new value to replace it; leave empty to keep it.' : 'Paste the value; it is stored encrypted.'}
    >
      <div class="command">
        <input
          id={id}
          type="password"
          autocomplete="off"
          spellcheck={false}
          disabled={edit.mode === 'clear'}
          value={edit.mode === 'set' ? edit.value : ''}
          placeholder={isSet ? '•••••••• (stored)' : ''}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy(id, error, true)}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            onEdit(v ? { mode: 'set', value: v } : { mode: 'keep' });
          }}
        />
        {isSet && (
          <button type="button" class="secondary small-btn" aria-pressed={edit.mode === 'clear'} onClick={() => onEdit(edit.mode === 'clear' ? { mode: 'keep' } : { mode: 'clear' })}>
            {edit.mode === 'clear' ? 'Keep it' : `Clear ${label.split(' ')[0]}`}
          </button>
        )}
      </div>
    </Field>
  );
}
