/**
 * @module
 * Sign in with an admin token, a one-time link (`/sign-in#link=…`, consumed once and wiped
 * from the address bar) or Plex (PIN flow: approve in Plex's window, this page polls). Plex is
 * offered only when the server allows some Plex account (ADMIN_PLEX_ACCOUNT_IDS); otherwise the
 * page says how to turn it on instead of offering a button that fails after the plex.tv trip.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, client, unwrap } from '../api';
import { refreshSession } from '../session';
import { navigate } from '../router';
import { nextPath } from '../deep-link';
import { usePageTitle } from '../components/page-title';

type PlexState = { step: 'idle' } | { step: 'waiting'; pinId: number; code: string; authUrl: string } | { step: 'error'; message: string };

export function SignInPage() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [plex, setPlex] = useState<PlexState>({ step: 'idle' });
  /** null until the server said whether Plex sign-in is configured. */
  const [plexEnabled, setPlexEnabled] = useState<boolean | null>(null);
  const polling = useRef<number | undefined>(undefined);

  useEffect(() => {
    unwrap(client.auth.methods.$get())
      .then((m) => setPlexEnabled(m.plex))
      .catch(() => setPlexEnabled(false));
  }, []);

  usePageTitle('Sign in');

  // Read when signing in completes: this page may mount before the address bar says /sign-in?next=…
  // (consuming a link keeps the query, dropping only the secret in the hash).
  const done = async () => {
    await refreshSession();
    navigate(nextPath(location.search), true);
  };

  useEffect(() => {
    const consumeLink = () => {
      const m = /^#link=([A-Za-z0-9_-]+)$/.exec(location.hash);
      if (!m?.[1]) return;
      history.replaceState(null, '', location.pathname + location.search); // the secret must not linger in history
      setBusy(true);
      setError(null);
      unwrap(client.auth.link.$post({ json: { secret: m[1] } }))
        .then(done)
        .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
        .finally(() => setBusy(false));
    };
    consumeLink();
    // Pasting a link while already on /sign-in changes only the hash: no page load.
    addEventListener('hashchange', consumeLink);
    return () => removeEventListener('hashchange', consumeLink);
  }, []);

  useEffect(() => () => clearInterval(polling.current), []);

  const submitToken = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(client.auth.token.$post({ json: { token: token.trim() } }));
      await done();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const startPlex = async () => {
    setError(null);
    try {
      const pin = await unwrap(client.auth.plex.start.$post());
      setPlex({ step: 'waiting', pinId: pin.pinId, code: pin.code, authUrl: pin.authUrl });
      window.open(pin.authUrl, 'plex-auth', 'width=600,height=700,noopener');
      polling.current = window.setInterval(async () => {
        try {
          const res = await unwrap(client.auth.plex.check.$post({ json: { pinId: pin.pinId } }));
          if (res.status === 'signed-in') {
            clearInterval(polling.current);
            await done();
          }
        } catch (err) {
          clearInterval(polling.current);
          setPlex({ step: 'error', message: err instanceof ApiError ? err.message : String(err) });
        }
      }, 2000);
    } catch (err) {
      setPlex({ step: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <main class="sign-in" id="main">
      <h1>plexops</h1>
      <p class="muted">Sign in to manage your Plex household.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section class="card" data-testid="plex-sign-in">
        <h2>Sign in with Plex</h2>
        {plexEnabled === false && (
          <p class="muted" data-testid="plex-sign-in-off">
            Off on this server: no Plex account is allowed yet. To turn it on, set <code>ADMIN_PLEX_ACCOUNT_IDS</code> to your Plex account id(s) —
            locally <code>ADMIN_PLEX_ACCOUNT_IDS=1234567 npm start</code>, deployed <code>npx wrangler secret put ADMIN_PLEX_ACCOUNT_IDS</code>. Until then,
            sign in with an admin token or a one-time link.
          </p>
        )}
        {plexEnabled &&
          (plex.step === 'waiting' ? (
            <p>
              Approve the sign-in in the Plex window (code <code>{plex.code}</code>).{' '}
              <a href={plex.authUrl} target="_blank" rel="noopener noreferrer">
                Open it again
              </a>
              . This page continues by itself.
            </p>
          ) : (
            <button type="button" onClick={startPlex} disabled={busy}>
              Sign in with Plex
            </button>
          ))}
        {plex.step === 'error' && (
          <p class="error" role="alert">
            {plex.message}
          </p>
        )}
      </section>
      <section class="card">
        <h2>Admin token</h2>
        <form onSubmit={submitToken}>
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} placeholder="pxo_at_…" />
          <button type="submit" disabled={busy || !token.trim()}>
            Sign in
          </button>
        </form>
        <p class="muted small">
          Create one with <code>npm run admin:token</code>, or a one-time link with <code>npm run admin:token -- --link</code>.
        </p>
      </section>
    </main>
  );
}
