/**
 * Activity page in real Chromium against the real Worker (workerd) and Postgres: a real webhook
 * (a Plex payload as JSON, posted to the URL the config API gives) shows up in the log with its
 * status and item, the stats count it, the detail drawer shows the stored payload, replay runs,
 * and the filters narrow the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../worker/test/fixtures/plex';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;

beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

async function postWebhook(url: string, payload: unknown): Promise<{ status: string; id: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; id: string };
}

describe('activity page', () => {
  it('lists a real webhook, shows its payload, replays it, filters', async () => {
    const cfg = await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, autoAddShows: true } });
    expect(cfg.status).toBe(200);
    const webhookUrl = cfg.body.webhookUrl as string;
    const play = await postWebhook(webhookUrl, fixture('episode-legacy.play'));
    const backup = await postWebhook(webhookUrl, fixture('admin.database-backup'));
    expect(play.status).toBe('accepted');

    // Processing runs after the response (waitUntil): wait until it has settled.
    await stack.webhookSettled(play.id, ['processed']);
    await stack.webhookSettled(backup.id, ['ignored']);

    const page = await stack.signedInPage('/activity');
    try {
      const stats = page.getByTestId('plex-stats');
      await stats.waitFor();
      expect(await stats.textContent()).toMatch(/Webhooks, last 24 h\s*2/);
      const row = page.locator(`tr[data-row-id="${play.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('media.play');
      expect(await row.textContent()).toContain('Breaking Bad');
      await page.locator(`tr[data-row-id="${backup.id}"]`).locator('[data-status="ignored"]').waitFor();

      await row.getByRole('button', { name: /Details of media.play/ }).click();
      const drawer = page.getByRole('dialog');
      await drawer.getByTestId('payload').waitFor();
      const payload = JSON.parse((await drawer.getByTestId('payload').textContent())!) as { event: string; Metadata: { grandparentTitle: string } };
      expect(payload.event).toBe('media.play');
      expect(payload.Metadata.grandparentTitle).toBe('Breaking Bad');
      await drawer.getByRole('button', { name: 'Replay' }).click();
      await drawer.getByRole('status').getByText(/^Replayed: now /).waitFor();
      await drawer.getByRole('button', { name: 'Close' }).click();
      await drawer.waitFor({ state: 'hidden' });

      await page.getByLabel('Event').selectOption('admin.database.backup');
      await page.locator(`tr[data-row-id="${backup.id}"]`).waitFor();
      await row.waitFor({ state: 'detached' });
      await page.getByLabel('Status').selectOption('failed');
      await page.getByText('No deliveries match these filters.').waitFor();
    } finally {
      await page.close();
    }
  });
});
