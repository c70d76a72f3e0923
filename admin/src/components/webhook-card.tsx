/**
 * @module
 * The Plex webhook URL (the secret is its last path segment, so it is masked until asked for),
 * a copy button, how to paste it into Plex, the last delivery, rotating the secret (the old URL
 * keeps working for the grace period, so Plex can be updated without losing events), and
 * disabling the integration.
 */
import { useState } from 'preact/hooks';
import type { PlexConfig, RotateSecretResponse } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { ConfirmButton } from './confirm-button';
import { CopyButton } from './copy-button';
import { ErrorBanner } from './error-banner';
import { toast } from './toast';
import { absoluteTime } from './format';
import { RelativeTime } from './relative-time';
import { StatusBadge } from './status-badge';

function masked(url: string): string {
  const i = url.lastIndexOf('/');
  return `${url.slice(0, i + 1)}${'•'.repeat(12)}`;
}

export function WebhookCard({ config, onChange }: { config: PlexConfig; onChange: (c: PlexConfig) => void }) {
  const [reveal, setReveal] = useState(false);
  const [rotated, setRotated] = useState<RotateSecretResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const url = config.webhookUrl;

  const rotate = async () => {
    setError(null);
    try {
      const r = await unwrap(client.api.plex.config['rotate-secret'].$post());
      setRotated(r);
      onChange({ ...config, webhookUrl: r.webhookUrl });
      toast('A new webhook URL was issued. Paste it into Plex.');
    } catch (err) {
      setError(err);
    }
  };
  const disable = async () => {
    setError(null);
    try {
      onChange(await unwrap(client.api.plex.config.$delete()));
      toast('The integration is disabled.');
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="card" aria-labelledby="webhook-title" data-testid="webhook-card">
      <div class="page-head">
        <h2 id="webhook-title">Plex webhook</h2>
        <StatusBadge status={config.enabled ? 'online' : 'disabled'} label={config.enabled ? 'enabled' : 'disabled'} />
      </div>
      <ErrorBanner error={error} />
      {url ? (
        <>
          <div class="command">
            <code data-testid="webhook-url">{reveal ? url : masked(url)}</code>
            <button type="button" class="secondary small-btn" aria-pressed={reveal} onClick={() => setReveal(!reveal)}>
              {reveal ? 'Hide' : 'Show'}
            </button>
            <CopyButton value={url} label="Copy URL" />
          </div>
          <p class="small muted">Anyone with this URL can post events: treat it like a password.</p>
        </>
      ) : (
        <p class="muted">No webhook URL yet: save the settings below once to create it.</p>
      )}
      <p>
        Last webhook: <RelativeTime iso={config.lastWebhookAt} fallback="none received yet" />
      </p>
      <details>
        <summary>How to set it up in Plex</summary>
        <ol class="setup">
          <li>Webhooks need a Plex Pass on the server owner's account.</li>
          <li>
            In Plex Web, open <strong>Settings → Webhooks</strong> (account settings, not the server's).
          </li>
          <li>
            Click <strong>Add Webhook</strong>, paste the URL above, and <strong>Save Changes</strong>.
          </li>
          <li>Play something for a minute: the delivery shows up under Activity. Each Plex account (and shared user) is tracked separately.</li>
        </ol>
      </details>
      <div class="actions">
        <ConfirmButton
          label="Rotate secret"
          confirmLabel="Yes, issue a new URL"
          danger={false}
          question={`The current URL keeps working for ${config.secretGraceHours} h, so you can update Plex without losing events.`}
          onConfirm={rotate}
        />
        {config.enabled && <ConfirmButton label="Disable integration" confirmLabel="Yes, disable" question="Webhooks will no longer be processed." onConfirm={disable} />}
      </div>
      {rotated?.previousValidUntil && (
        <p class="small muted" data-testid="grace">
          The previous URL is accepted until {absoluteTime(rotated.previousValidUntil)} (<RelativeTime iso={rotated.previousValidUntil} future />), so Plex can
          be updated without losing events.
        </p>
      )}
    </section>
  );
}
