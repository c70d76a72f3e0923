/** @module Home: is the system healthy, and who is signed in. */
import { useEffect, useState } from 'preact/hooks';
import { client } from '../api';
import type { Principal } from '../../../worker/src/contracts';

const viaLabel: Record<Principal['via'], string> = { plex: 'Plex account', 'admin-token': 'Admin token', 'sign-in-link': 'One-time sign-in link' };

type Health = { ok: boolean; version: string; db: string; migrations: number } | { error: string };

export function HomePage({ principal }: { principal: Principal }) {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    client.healthz
      .$get()
      .then(async (res) => setHealth((await res.json()) as Health))
      .catch(() => setHealth({ error: 'The server could not be reached.' }));
  }, []);

  return (
    <section>
      <h1>Overview</h1>
      <div class="grid">
        <div class="card" data-testid="health">
          <h2>System</h2>
          {!health && <p class="muted">Checking…</p>}
          {health && 'error' in health && <p class="error">{health.error}</p>}
          {health && 'ok' in health && (
            <dl>
              <dt>Status</dt>
              <dd class={health.ok ? 'ok' : 'error'}>{health.ok ? 'Healthy' : 'Unhealthy'}</dd>
              <dt>Database</dt>
              <dd>{health.db}</dd>
              <dt>Schema migrations</dt>
              <dd>{health.migrations}</dd>
              <dt>Version</dt>
              <dd>{health.version}</dd>
            </dl>
          )}
        </div>
        <div class="card" data-testid="whoami">
          <h2>Signed in</h2>
          <dl>
            <dt>Name</dt>
            <dd>{principal.name}</dd>
            <dt>Via</dt>
            <dd>{viaLabel[principal.via]}</dd>
          </dl>
        </div>
      </div>
    </section>
  );
}
