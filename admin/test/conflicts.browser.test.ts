/**
 * Conflicts and Mappings pages in real Chromium against the real Worker (workerd), Postgres and
 * the TMDB simulator: two webhooks for "The Office" (two TMDB shows fit equally) park on one
 * conflict; the page shows the Plex item and ranked candidates; selecting one resolves it and
 * says both waiting events were re-processed. The Mappings page then shows the decision, its
 * filters, and turning sync off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFICE_UK, OFFICE_US, officeEpisode } from '../../worker/test/fixtures/plex/the-office';
import { startTmdbSim, type TmdbSim } from '../../worker/test/sims/tmdb';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;
let sim: TmdbSim;



beforeAll(async () => {
  sim = await startTmdbSim();
  sim.addShow(OFFICE_US);
  sim.addShow(OFFICE_UK);
  stack = await startAdminStack({ TMDB_URL: sim.url });
});
afterAll(async () => {
  await stack?.shutdown();
  await sim?.close();
});

describe('conflicts and mappings pages', () => {
  it('resolves a conflict by selecting a candidate, then manages the mapping', async () => {
    const cfg = await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, tmdbApiKey: sim.apiKey, rateLimitPerMinute: 10_000 } });
    expect(cfg.status).toBe(200);
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const res = await fetch(cfg.body.webhookUrl as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(officeEpisode(n)) });
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids) await stack.webhookSettled(id, ['waiting']);

    const page = await stack.signedInPage('/conflicts');
    try {
      const card = page.locator('article.conflict', { hasText: 'The Office' });
      await card.waitFor();
      const candidates = card.locator('tbody tr');
      expect(await candidates.count()).toBeGreaterThanOrEqual(3); // two shows + "another TMDB id"
      expect(await card.textContent()).toMatch(/2005|2001/);

      // A malformed TMDB id is refused by the server, next to the field.
      await card.getByRole('textbox', { name: 'Another TMDB id' }).fill('12ab');
      await card.getByRole('button', { name: 'Use selected' }).click();
      const tmdbError = card.locator('.field-error');
      await tmdbError.waitFor();
      expect(await tmdbError.textContent()).toBe('TMDB id must be a number such as 1396.');
      expect(await card.getByRole('textbox', { name: 'Another TMDB id' }).getAttribute('aria-invalid')).toBe('true');

      await card.getByRole('radio', { name: 'The Office (2005)' }).check();
      await card.getByRole('button', { name: 'Use selected' }).click();
      await page.getByTestId('toasts').getByText('Mapped to The Office. 2 waiting events were re-processed.').waitFor();
      await card.locator('[data-status="resolved"]').waitFor();
      for (const id of ids) expect((await stack.admin(`/plex/logs/${id}`)).body.status).toBe('processed');

      await page.getByRole('link', { name: 'Mappings' }).click();
      const row = page.locator('[data-testid="mappings-table"] tr', { hasText: 'The Office' });
      await row.waitFor();
      expect(await row.textContent()).toContain('TMDB 2316');
      await row.locator('[data-status="mapped"]').waitFor();
      await page.getByLabel('Waiting on a conflict').check();
      await page.getByText('Nothing to review here.').waitFor();
      await page.getByLabel('All').check();
      await row.getByRole('button', { name: 'Disable sync' }).click();
      await row.getByRole('button', { name: 'Enable sync' }).waitFor();
      await page.getByRole('status').getByText(/sync disabled/).waitFor();
    } finally {
      await page.close();
    }
  });
});
