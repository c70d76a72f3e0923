/**
 * @module
 * Shared set-up for the Plex webhook tests: an isolated database, the real app with a secrets
 * key, an admin token, a configured integration and its webhook path, plus helpers to deliver
 * fixtures the way Plex does and to read tracker rows with a plain Postgres client.
 */
import { createTestDb, type TestDb } from '../../support/test-db';
import { createTestClient, type TestClient } from '../../support/test-app';
import { createAdminToken } from '../../../src/services/auth/admin-tokens';
import type { Bindings } from '../../../src/env';
import { plexMultipart, type Payload } from '../../fixtures/plex';

export const SECRETS_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 13 + 5) & 0xff)));

export interface Harness {
  db: TestDb;
  client: TestClient;
  admin: Record<string, string>;
  /** `/webhooks/plex/<secret>` */
  hookPath: string;
  deliver(payload: Payload | string, opts?: { thumb?: boolean; headers?: Record<string, string> }): Promise<Response>;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  configure(body: Record<string, unknown>): Promise<Response>;
  dispose(): Promise<void>;
}

export async function createHarness(env: Partial<Bindings> = {}, config: Record<string, unknown> = {}): Promise<Harness> {
  const db = await createTestDb();
  // TMDB_URL defaults to a closed loopback port: no test ever reaches the real TMDB.
  const client = createTestClient(db, { SECRETS_KEY, PUBLIC_URL: 'https://plexops.example.com', TMDB_URL: 'http://127.0.0.1:9', ...env });
  const { token } = await createAdminToken(db.db, 'test');
  const admin = { authorization: `Bearer ${token}` };
  const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
    client.request(path, { ...init, headers: { ...admin, ...(init.headers as Record<string, string> | undefined) } });
  const configure = (body: Record<string, unknown>) => api('/api/plex/config', { method: 'PUT', json: body });
  const res = await configure(config);
  if (res.status !== 200) throw new Error(`config PUT failed: ${res.status} ${await res.text()}`);
  const { webhookUrl } = (await res.json()) as { webhookUrl: string };
  const hookPath = new URL(webhookUrl).pathname;
  return {
    db,
    client,
    admin,
    hookPath,
    api,
    configure,
    deliver: (payload, opts = {}) => {
      const d = plexMultipart(payload, opts.thumb === undefined ? {} : { thumb: opts.thumb });
      return client.request(hookPath, { method: 'POST', body: d.body, headers: { ...d.headers, ...opts.headers } });
    },
    dispose: () => db.drop(),
  };
}

export async function rows<T = Record<string, unknown>>(db: TestDb, text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.raw.query(text, params)).rows as T[];
}

export async function eventRow(db: TestDb, id: string) {
  const [row] = await rows<Record<string, unknown>>(db, 'SELECT * FROM webhook_events WHERE id = $1', [id]);
  return row!;
}
