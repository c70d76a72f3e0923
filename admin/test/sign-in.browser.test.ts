/**
 * The admin SPA in a real browser against the real Worker in workerd and a real Postgres:
 * the printed one-time link signs in, the overview shows /healthz and who is signed in,
 * token sign-in works, sign-out returns to the sign-in page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestDb, type TestDb } from '../../worker/test/support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../worker/test/support/workerd-server';
import { wsProxyAddress } from '../../worker/test/support/test-env';
import { createSignInLink } from '../../worker/src/services/auth/sign-in-links';
import { createAdminToken } from '../../worker/src/services/auth/admin-tokens';
import { chromiumAvailable, launchBrowser } from './browser';

let db: TestDb;
let server: WorkerdServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error('Chromium is not installed: apt-get install -y chromium (see .ci/run)');
  db = await createTestDb();
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test' });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await server?.dispose();
  await db?.drop();
});

describe('admin SPA in Chromium', () => {
  it('signs in with the one-time link and shows health and the principal', async () => {
    const page = await browser.newPage();
    const { url } = await createSignInLink(db.db, server.url);
    await page.goto(url);
    await page.getByTestId('health').getByText('Healthy').waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByTestId('principal').textContent()).toBe('Local admin');
    expect(await page.getByTestId('health').textContent()).toContain('ok');
    // the link's secret is gone from the address bar and history
    expect(page.url()).not.toContain('link=');

    // a reload keeps the session (cookie), a deep link to an unknown page shows Not found inside the shell
    await page.goto(`${server.url}/no/such/page`);
    await page.getByText('Not found').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    await page.close();
  });

  it('a used link shows a clear error; token sign-in works', async () => {
    const page = await browser.newPage();
    const { url } = await createSignInLink(db.db, server.url);
    await page.goto(url);
    await page.getByTestId('principal').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    // already on /sign-in: following the link only changes the hash
    await page.goto(url);
    await page.getByRole('alert').getByText(/already used or has expired/).waitFor();
    const fresh = await createSignInLink(db.db, server.url);
    await page.goto(fresh.url);
    await page.getByTestId('principal').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();

    const { token } = await createAdminToken(db.db, 'browser-token');
    await page.getByLabel('Token').fill('pxo_at_wrong');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').getByText(/not valid/).waitFor();
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('principal').getByText('browser-token').waitFor();
    await page.close();
  });
});
