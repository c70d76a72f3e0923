/**
 * Activity page in real Chromium against the real Worker (workerd) and Postgres: a real webhook
 * (a Plex payload as JSON, posted to the URL the config API gives) shows up in the log with its
 * status and item, the stats count it, the detail drawer shows the stored payload, replay runs,
 * and the filters narrow the list. Then: filters kept in the URL (back/forward walk them), failed
 * deliveries saying why, and the 24 h and 7 day cards counting their own windows.
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
      expect(await stats.getByTestId('webhooks-24h').getByTestId('count-total').textContent()).toBe('2');
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
      // The toast sits above the modal drawer (top layer), not behind its backdrop.
      await page.getByTestId('toasts').getByText(/^Replayed: now /).waitFor();
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

describe('activity: truthful, linkable, explained', () => {
  it('keeps the filters in the URL: a reload keeps them, back and forward walk through them', async () => {
    const page = await stack.signedInPage('/activity');
    try {
      await page.getByTestId('webhook-log').waitFor();
      expect(await page.title()).toBe('Activity · plexops');
      await page.getByLabel('Status').selectOption('ignored');
      await page.waitForURL(/\/activity\?status=ignored$/);
      await page.getByLabel('Event').selectOption('admin.database.backup');
      await page.waitForURL(/status=ignored&event=admin.database.backup$/);
      await page.reload();
      await expect.poll(() => page.getByLabel('Status').inputValue()).toBe('ignored');
      await expect.poll(() => page.getByLabel('Event').inputValue()).toBe('admin.database.backup');
      await page.goBack();
      await page.waitForURL(/\/activity\?status=ignored$/);
      await expect.poll(() => page.getByLabel('Event').inputValue()).toBe('');
      await page.goBack();
      await page.waitForURL(/\/activity$/);
      await expect.poll(() => page.getByLabel('Status').inputValue()).toBe('');
      await page.goForward();
      await expect.poll(() => page.getByLabel('Status').inputValue()).toBe('ignored');
      // A hand-edited URL with nonsense shows everything rather than breaking.
      await page.goto(`${stack.server.url}/activity?status=%3Cscript%3E&event=a%20b`);
      await page.getByTestId('webhook-log').waitFor();
      await expect.poll(() => page.getByLabel('Status').inputValue()).toBe('');
    } finally {
      await page.close();
    }
  });

  it('shows failed deliveries with their reason, in the list and the drawer', async () => {
    const cfg = await stack.admin('/plex/config');
    // An episode Plex sent without season/episode numbers, with no TMDB to place it: processing fails.
    const broken = fixture('episode-new-agent-no-guids.scrobble');
    delete (broken.Metadata as Record<string, unknown>).index;
    delete (broken.Metadata as Record<string, unknown>).parentIndex;
    (broken.Metadata as Record<string, unknown>).ratingKey = 'broken-1';
    const sent = await postWebhook(cfg.body.webhookUrl as string, broken);
    await stack.webhookSettled(sent.id, ['failed']);
    // A malformed delivery as the ingest stores it (what arrived, sanitised, failed with a reason).
    await stack.db.raw.query(
      `INSERT INTO webhook_events (id, event, status, error, payload, headers, attempts, processed_at)
       VALUES ('whe_malformed_1', 'unknown', 'failed', 'The payload is not valid JSON.', '{}'::jsonb, '{}'::jsonb, 0, now())`,
    );
    const page = await stack.signedInPage('/activity?status=failed');
    try {
      const row = page.locator(`tr[data-row-id="${sent.id}"]`);
      await row.waitFor();
      expect(await row.getByTestId('failure-reason').textContent()).toBe('Failed: The episode carries no season/episode numbers and TMDB could not place it.');
      const malformed = page.locator('tr[data-row-id="whe_malformed_1"]');
      expect(await malformed.getByTestId('failure-reason').textContent()).toBe('Failed: The payload is not valid JSON.');
      await row.getByRole('button', { name: /Details of media.scrobble/ }).click();
      const drawer = page.getByRole('dialog');
      expect(await drawer.getByTestId('drawer-error').textContent()).toBe('The episode carries no season/episode numbers and TMDB could not place it.');
      await page.screenshot({ path: '/tmp/activity-failed.png', fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('counts the last 24 hours and the last 7 days each over its own window', async () => {
    const cfg = await stack.admin('/plex/config');
    for (let i = 0; i < 3; i++) {
      const e = await postWebhook(cfg.body.webhookUrl as string, { ...fixture('admin.database-backup'), n: i });
      await stack.webhookSettled(e.id, ['ignored', 'duplicate']);
    }
    // Two deliveries from three days ago, one from last month: in the week, the week, and neither.
    await stack.db.raw.query(`UPDATE webhook_events SET received_at = now() - interval '3 days' WHERE id IN (SELECT id FROM webhook_events WHERE event = 'admin.database.backup' ORDER BY id LIMIT 2)`);
    await stack.db.raw.query(
      `INSERT INTO webhook_events (id, event, status, payload, headers, received_at) VALUES ('whe_old_1', 'media.play', 'processed', '{}'::jsonb, '{}'::jsonb, now() - interval '30 days')`,
    );
    const api = (await stack.admin('/plex/stats')).body as { webhooks: { last24h: Record<string, number>; last7d: Record<string, number> } };
    const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(sum(api.webhooks.last7d) - sum(api.webhooks.last24h)).toBe(2);
    const page = await stack.signedInPage('/activity');
    try {
      const day = page.getByTestId('webhooks-24h');
      const week = page.getByTestId('webhooks-7d');
      await week.waitFor();
      expect(await day.getByTestId('count-total').textContent()).toBe(String(sum(api.webhooks.last24h)));
      expect(await week.getByTestId('count-total').textContent()).toBe(String(sum(api.webhooks.last7d)));
      await page.screenshot({ path: '/tmp/activity-counts.png', fullPage: true });
    } finally {
      await page.close();
    }
  });
});
