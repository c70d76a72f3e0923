/**
 * @module
 * One stack per browser test file: a fresh Postgres database, the real Worker in workerd (with
 * compressed agent timings and a secrets key so the Plex config can store secrets), an admin
 * bearer token for creating data through the real API, and a real Chromium whose pages are
 * signed in with a one-time link (a session cookie, as a person would have). The Worker can be
 * restarted on the same port, which drops every open connection (the log stream included).
 */
import type { Browser, Page } from 'playwright-core';
import { createTestDb, type TestDb } from '../../worker/test/support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../worker/test/support/workerd-server';
import { wsProxyAddress } from '../../worker/test/support/test-env';
import { TestAgentClient } from '../../worker/test/support/agent-client';
import { createAdminToken } from '../../worker/src/services/auth/admin-tokens';
import { createSignInLink } from '../../worker/src/services/auth/sign-in-links';
import { launchBrowser } from './browser';
import { requirePrerequisite } from '../../worker/dev/prerequisites';
import { adminHttp } from '../../worker/test/support/admin-http';

/** A fixed 32-byte AES key (base64) for test databases only. */
export const TEST_SECRETS_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 29 + 7) & 0xff)));

export interface AdminStack {
  db: TestDb;
  server: WorkerdServer;
  browser: Browser;
  /** Calls `/api<path>` with the admin bearer token; JSON in, parsed JSON (or text) out. */
  admin(path: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: any }>;
  enrollAgent(opts?: { name?: string; tags?: string[] }): Promise<TestAgentClient>;
  createJob(kind: string, params: unknown, tags?: string[]): Promise<string>;
  /**
   * Waits until a stored webhook event reaches one of `statuses` (processing runs after the
   * response, via waitUntil) and returns it; throws with its last status and error otherwise.
   */
  webhookSettled(id: string, statuses: string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Stops the Worker and starts it again on the same port and database. */
  restartWorker(): Promise<void>;
  /** A new page, signed in, showing `path`. Close it at the end of the test. */
  signedInPage(path?: string): Promise<Page>;
  shutdown(): Promise<void>;
}

export async function startAdminStack(extraVars: Record<string, string> = {}): Promise<AdminStack> {
  requirePrerequisite('chromium'); // fails the suite saying how to install it, never skips
  const db = await createTestDb();
  const vars = {
    DATABASE_URL: db.url,
    DB_WS_PROXY: wsProxyAddress(),
    ENVIRONMENT: 'test',
    SECRETS_KEY: TEST_SECRETS_KEY,
    // A closed loopback port: no test ever reaches the real TMDB.
    TMDB_URL: 'http://127.0.0.1:9',
    AGENT_WAIT_MS: '2000',
    // Long enough that a Worker restart on a loaded machine (tests restart it) does not expire a
    // lease a test holds by hand; no admin test waits for an expiry.
    AGENT_LEASE_TTL_MS: '30000',
    AGENT_POLL_AFTER_MS: '0',
    HUB_ALARM_GRACE_MS: '200',
    ...extraVars,
  };
  let server: WorkerdServer | null = null;
  let closeBrowser: () => Promise<void> = async () => undefined;
  const shutdown = async () => {
    await closeBrowser();
    await server?.dispose().catch(() => undefined);
    await db.drop();
  };
  try {
    server = await startWorkerdServer(vars);
    const launched = await launchBrowser();
    closeBrowser = launched.close;
    const { token } = await createAdminToken(db.db, 'test');
    const url = server.url;

    const admin: AdminStack['admin'] = adminHttp(url, token);

    const stack: AdminStack = {
      db,
      server,
      browser: launched.browser,
      admin,
      async enrollAgent(opts = {}) {
        const e = await admin('/agents/enrollments', { method: 'POST', json: { tags: opts.tags ?? [] } });
        if (e.status !== 201) throw new Error(`enrollment failed: ${e.status} ${JSON.stringify(e.body)}`);
        const agent = new TestAgentClient(url);
        const r = await agent.enroll(e.body.code, opts);
        if (r.status !== 201) throw new Error(`enroll failed: ${r.status} ${JSON.stringify(r.body)}`);
        return agent;
      },
      async createJob(kind, params, tags = []) {
        const r = await admin('/jobs', { json: { kind, params, tags } });
        if (r.status !== 201) throw new Error(`create job failed: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.id as string;
      },
      async webhookSettled(id, statuses, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        let last: Record<string, unknown> = {};
        while (Date.now() < deadline) {
          last = (await admin(`/plex/logs/${id}`)).body as Record<string, unknown>;
          if (statuses.includes(String(last.status))) return last;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`webhook event ${id} is ${String(last.status)} (error: ${String(last.error)}), not ${statuses.join('/')}`);
      },
      async restartWorker() {
        const port = server!.port;
        await server!.dispose();
        server = await startWorkerdServer(vars, { port });
        stack.server = server;
      },
      async signedInPage(path = '/') {
        const page = await launched.browser.newPage();
        page.setDefaultTimeout(15_000);
        const link = await createSignInLink(db.db, url);
        await page.goto(link.url);
        await page.getByTestId('principal').waitFor();
        if (path !== '/') await page.goto(`${url}${path}`);
        return page;
      },
      shutdown,
    };
    return stack;
  } catch (err) {
    await shutdown();
    throw err;
  }
}
