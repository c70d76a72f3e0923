/**
 * Settings page in real Chromium against the real Worker (workerd) and Postgres: a bad threshold
 * is refused with the error next to its field; saving stores the config; the Plex token and
 * TMDB key then show as "set" and their values never appear in the DOM (nor in any input); the
 * webhook URL is shown (masked until asked) as the API returns it; rotating explains and shows the
 * grace period; disabling turns the integration off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminStack, type AdminStack } from './harness';
import { fixture } from '../../worker/test/fixtures/plex';

let stack: AdminStack;

beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

const PLEX_TOKEN = 'plexTok-9f8e7d6c5b4a-SENTINEL';
const TMDB_KEY = 'tmdbKey-0a1b2c3d4e5f-SENTINEL';

describe('settings page', () => {
  it('saves the config; secrets show as set and are never rendered; rotate and disable', async () => {
    const page = await stack.signedInPage('/settings');
    try {
      await page.getByRole('heading', { name: 'Plex integration' }).waitFor();
      expect(await page.getByTestId('cfg-plex-token-state').textContent()).toBe('not set');
      await page.getByText('No webhook URL yet').waitFor();

      await page.getByLabel('Watched threshold (%)').fill('150');
      await page.getByRole('button', { name: 'Save settings' }).click();
      const thresholdErr = page.locator('#cfg-threshold-err');
      await thresholdErr.waitFor();
      // A percentage field answers in percent (the API's 0–1 ratio never shows through).
      expect(await thresholdErr.textContent()).toBe('Enter a percentage from 0 to 100 (Plex itself counts 90 % as watched).');
      expect(await page.getByLabel('Watched threshold (%)').getAttribute('aria-invalid')).toBe('true');
      await page.getByLabel('Watched threshold (%)').fill('ninety');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.locator('#cfg-threshold-err').getByText(/^Enter a percentage from 0 to 100/).waitFor();
      expect(await page.title()).toBe('Settings · plexops');

      await page.getByLabel('Enabled').check();
      await page.getByLabel('Watched threshold (%)').fill('85');
      await page.getByLabel('Tracked Plex account ids').fill('1, 24680135');
      await page.getByLabel('Plex token').fill(PLEX_TOKEN);
      await page.getByLabel('TMDB API key or read token').fill(TMDB_KEY);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('status').getByText('Settings saved.').waitFor();
      // A toast, not a line that stays: it goes by itself.
      await page.getByTestId('toasts').getByText('Settings saved.').waitFor({ state: 'detached', timeout: 10_000 });
      expect(await page.getByTestId('cfg-plex-token-state').textContent()).toBe('set');
      expect(await page.getByTestId('cfg-tmdb-key-state').textContent()).toBe('set');
      expect(await page.getByLabel('Plex token').inputValue()).toBe('');
      expect(await page.getByLabel('TMDB API key or read token').inputValue()).toBe('');

      const cfg = (await stack.admin('/plex/config')).body;
      expect(cfg).toMatchObject({ enabled: true, watchedThreshold: 0.85, trackedAccountIds: ['1', '24680135'], hasPlexToken: true, hasTmdbKey: true });

      // A reload: still "set", and the values are nowhere in the document or its inputs.
      await page.reload();
      await page.getByRole('heading', { name: 'Plex integration' }).waitFor();
      expect(await page.getByTestId('cfg-plex-token-state').textContent()).toBe('set');
      // A string expression: the Node-side tsconfig has no DOM types.
      const dom = await page.evaluate<string>(`document.documentElement.outerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join('\\n')`);
      expect(dom).not.toContain(PLEX_TOKEN);
      expect(dom).not.toContain(TMDB_KEY);
      expect(await page.getByLabel('Watched threshold (%)').inputValue()).toBe('85');

      // The webhook URL: masked, then shown exactly as the API gives it.
      const url = page.getByTestId('webhook-url');
      expect(await url.textContent()).toContain('••••');
      await page.getByRole('button', { name: 'Show' }).click();
      expect(await url.textContent()).toBe(cfg.webhookUrl);
      expect(cfg.webhookUrl).toMatch(new RegExp(`^${stack.server.url}/webhooks/plex/`));

      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByText(/keeps working for 24 h/).waitFor();
      await page.getByRole('button', { name: 'Yes, issue a new URL' }).click();
      await page.getByTestId('grace').waitFor();
      // When the old URL stops working, as a time and as a distance from now.
      expect(await page.getByTestId('grace').textContent()).toMatch(/^The previous URL is accepted until .+ \(in 24 hours\), so Plex can be updated without losing events\.$/);
      const rotated = (await stack.admin('/plex/config')).body.webhookUrl as string;
      expect(rotated).not.toBe(cfg.webhookUrl);
      expect(await url.textContent()).toBe(rotated);

      await page.getByRole('button', { name: 'Disable integration' }).click();
      await page.getByRole('button', { name: 'Yes, disable' }).click();
      await page.getByTestId('webhook-card').locator('[data-status="disabled"]').waitFor();
      expect((await stack.admin('/plex/config')).body.enabled).toBe(false);
      expect(await page.content()).not.toContain(PLEX_TOKEN);
    } finally {
      await page.close();
    }
  });

  it('names Plex accounts; pages show the name, not "account 1"', async () => {
    const page = await stack.signedInPage('/settings');
    try {
      const card = page.getByTestId('accounts-card');
      // Listed as tracked before any webhook named them.
      await card.getByTestId('account-1').waitFor();
      await card.getByLabel('Name for Plex account 1').fill('x'.repeat(61));
      await card.getByTestId('account-1').getByRole('button', { name: 'Save name' }).click();
      expect(await card.locator('#account-1-err').textContent()).toBe('Name must be at most 60 characters.');
      await card.getByLabel('Name for Plex account 1').fill('Alice');
      await card.getByTestId('account-1').getByRole('button', { name: 'Save name' }).click();
      await page.getByTestId('toasts').getByText('Account 1 is now shown as “Alice”.').waitFor();
      await card.getByLabel('Name for Alice').waitFor();
      expect((await stack.admin('/accounts')).body.items.find((a: { id: string }) => a.id === '1')).toMatchObject({ name: 'Alice', displayName: 'Alice' });

      // A delivery from account 1 (Plex calls it "owner"): the log says Alice.
      await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true } });
      const cfg = (await stack.admin('/plex/config')).body;
      const res = await fetch(cfg.webhookUrl as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture('admin.database-backup')) });
      const { id } = (await res.json()) as { id: string };
      await page.goto(`${stack.server.url}/activity`);
      const row = page.locator(`tr[data-row-id="${id}"]`);
      await row.waitFor();
      await expect.poll(() => row.locator('td').nth(3).textContent()).toBe('Alice');
    } finally {
      await page.close();
    }
  });
});
