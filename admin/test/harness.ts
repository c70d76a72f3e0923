/**
 * @module
 * One stack per browser test file: a fresh Postgres database, the real Worker in workerd (with
 * compressed agent timings and a secrets key so the Plex config can store secrets), an admin
 * bearer token for creating data through the real API, and a real Chromium whose pages are
 * signed in with a one-time link (a session cookie, as a person would have).
 */
import type { Browser, Page } from 'playwright-core';
import { startJobsHarness, type JobsHarness } from '../../worker/test/support/jobs-fixtures';
import { createSignInLink } from '../../worker/src/services/auth/sign-in-links';
import { chromiumAvailable, launchBrowser } from './browser';

/** A fixed 32-byte AES key (base64) for test databases only. */
export const TEST_SECRETS_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 29 + 7) & 0xff)));

export interface AdminStack extends JobsHarness {
  browser: Browser;
  /**
   * Waits until a stored webhook event reaches one of `statuses` (processing runs after the
   * response, via waitUntil) and returns it; throws with its last status and error otherwise.
   */
  webhookSettled(id: string, statuses: string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  /** A new page, signed in, showing `path`. Close it at the end of the test. */
  signedInPage(path?: string): Promise<Page>;
  shutdown(): Promise<void>;
}

export async function startAdminStack(vars: Record<string, string> = {}): Promise<AdminStack> {
  if (!chromiumAvailable()) throw new Error('Chromium is not installed: apt-get install -y chromium (see .ci/run)');
  // TMDB_URL defaults to a closed loopback port: no test ever reaches the real TMDB.
  const h = await startJobsHarness({ SECRETS_KEY: TEST_SECRETS_KEY, TMDB_URL: 'http://127.0.0.1:9', ...vars });
  let closeBrowser: () => Promise<void> = async () => undefined;
  try {
    const launched = await launchBrowser();
    closeBrowser = launched.close;
    return {
      ...h,
      browser: launched.browser,
      async webhookSettled(id, statuses, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        let last: Record<string, unknown> = {};
        while (Date.now() < deadline) {
          last = (await h.admin(`/plex/logs/${id}`)).body as Record<string, unknown>;
          if (statuses.includes(String(last.status))) return last;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`webhook event ${id} is ${String(last.status)} (error: ${String(last.error)}), not ${statuses.join('/')}`);
      },
      async signedInPage(path = '/') {
        const page = await launched.browser.newPage();
        page.setDefaultTimeout(15_000);
        const { url } = await createSignInLink(h.db.db, h.server.url);
        await page.goto(url);
        await page.getByTestId('principal').waitFor();
        if (path !== '/') await page.goto(`${h.server.url}${path}`);
        return page;
      },
      async shutdown() {
        await closeBrowser();
        await h.close();
      },
    };
  } catch (err) {
    await closeBrowser();
    await h.close();
    throw err;
  }
}
