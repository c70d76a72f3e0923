/**
 * The admin SPA in a real browser against the real Worker in workerd and a real Postgres:
 * the printed one-time link signs in (shown as "Local admin", or the name the link was made for),
 * the overview shows /healthz and who is signed in, token sign-in works, sign-out returns to the
 * sign-in page; a deep link opened while signed out comes back after sign-in; every page has its
 * own title; a skip link leads past the navigation. "Sign in with Plex" is offered only when
 * ADMIN_PLEX_ACCOUNT_IDS allows someone; otherwise the page says how to turn it on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestDb, type TestDb } from '../../worker/test/support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../../worker/test/support/workerd-server';
import { wsProxyAddress } from '../../worker/test/support/test-env';
import { createSignInLink } from '../../worker/src/services/auth/sign-in-links';
import { createAdminToken } from '../../worker/src/services/auth/admin-tokens';
import { launchBrowser } from './browser';
import { requirePrerequisite } from '../../worker/dev/prerequisites';
import { mkdirSync } from 'node:fs';
import { SCREENSHOTS as screenshotDir } from './browser';

let db: TestDb;
let server: WorkerdServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  requirePrerequisite('chromium'); // fails the suite saying how to install it, never skips
  db = await createTestDb();
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test' });
  ({ browser, close: closeBrowser } = await launchBrowser());
  mkdirSync(screenshotDir, { recursive: true });
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

  it('returns to the page that was asked for, after signing in with a token or a link', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    const { token } = await createAdminToken(db.db, 'deep-link-token');
    await page.goto(`${server.url}/jobs/job_abc123?tab=log`);
    await page.waitForURL(`${server.url}/sign-in?next=${encodeURIComponent('/jobs/job_abc123?tab=log')}`);
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    expect(await page.title()).toBe('Sign in · plexops');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${server.url}/jobs/job_abc123?tab=log`);
    await page.getByTestId('principal').getByText('deep-link-token').waitFor();

    // A link made for someone, used on a deep link: back to the page, under their name.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    const link = await createSignInLink(db.db, server.url, new Date(), 'Dana');
    await page.goto(`${server.url}/settings`);
    await page.waitForURL(/\/sign-in\?next=%2Fsettings$/);
    await page.goto(`${server.url}/sign-in?next=%2Fsettings${new URL(link.url).hash}`);
    await page.waitForURL(`${server.url}/settings`);
    expect(await page.getByTestId('principal').textContent()).toBe('Dana');
    expect(page.url()).not.toContain('link=');

    // Somewhere else is never a place to return to.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Admin token' }).waitFor();
    await page.goto(`${server.url}/sign-in?next=${encodeURIComponent('//evil.example/x')}`);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${server.url}/`);
    await page.close();
  });

  it('names every page in the tab, and a skip link jumps past the navigation', async () => {
    const page = await browser.newPage();
    const { url } = await createSignInLink(db.db, server.url);
    await page.goto(url);
    await page.getByTestId('principal').waitFor();
    for (const [path, title] of [
      ['/', 'Overview · plexops'],
      ['/library', 'Library · plexops'],
      ['/activity', 'Activity · plexops'],
      ['/conflicts', 'Conflicts · plexops'],
      ['/mappings', 'Mappings · plexops'],
      ['/jobs', 'Jobs · plexops'],
      ['/jobs/new', 'New job · plexops'],
      ['/agents', 'Agents · plexops'],
      ['/settings', 'Settings · plexops'],
      ['/no/such/page', 'Not found · plexops'],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      // A function, not a string: the admin's CSP (no unsafe-eval) refuses string predicates.
      await page.waitForFunction((t: string) => (globalThis as unknown as { document: { title: string } }).document.title === t, title);
    }
    // The first Tab reaches the skip link; following it puts focus on the page's main content.
    await page.goto(`${server.url}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement && document.activeElement.textContent`)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(`document.activeElement && document.activeElement.tagName`)).toBe('MAIN');
    await page.close();
  });
});

describe('Sign in with Plex on the sign-in page', () => {
  it('is not offered while no Plex account is allowed; the page says how to allow one', async () => {
    for (const width of [390, 1280]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`${server.url}/sign-in`);
      const off = page.getByTestId('plex-sign-in-off');
      await off.waitFor();
      const text = (await off.textContent())!;
      expect(text).toContain('ADMIN_PLEX_ACCOUNT_IDS=1234567 npm start');
      expect(text).toContain('npx wrangler secret put ADMIN_PLEX_ACCOUNT_IDS');
      expect(await page.getByRole('button', { name: 'Sign in with Plex' }).count()).toBe(0);
      // The other ways in are right there.
      await page.getByRole('heading', { name: 'Admin token' }).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `${screenshotDir}/sign-in-plex-off-${width}.png`, fullPage: true });
      await page.close();
    }
  });

  it('is offered once ADMIN_PLEX_ACCOUNT_IDS is set', async () => {
    const configured = await startWorkerdServer({
      DATABASE_URL: db.url,
      DB_WS_PROXY: wsProxyAddress(),
      ENVIRONMENT: 'test',
      ADMIN_PLEX_ACCOUNT_IDS: '1001',
      // Never reached here (the button is not clicked: its popup would go to app.plex.tv).
      PLEX_TV_URL: 'http://127.0.0.1:9',
    });
    const page = await browser.newPage();
    try {
      await page.goto(`${configured.url}/sign-in`);
      const button = page.getByRole('button', { name: 'Sign in with Plex' });
      await button.waitFor();
      expect(await button.isEnabled()).toBe(true);
      expect(await page.getByTestId('plex-sign-in-off').count()).toBe(0);
    } finally {
      await page.close();
      await configured.dispose();
    }
  });
});
