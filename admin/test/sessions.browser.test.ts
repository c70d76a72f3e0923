/**
 * The Settings page's Sessions card in real Chromium against the real Worker and Postgres: it
 * lists this browser and another session (with its user agent), ends the other one (which is
 * then signed out for real), at phone and desktop widths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { startAdminStack, type AdminStack } from './harness';
import { createAdminToken } from '../../worker/src/services/auth/admin-tokens';

let stack: AdminStack;
beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

const SHOTS = path.join(tmpdir(), 'plexops-shots');

/** Another browser: trades a token for a session cookie over HTTP, as a second device would. */
async function otherDevice(): Promise<string> {
  const { token } = await createAdminToken(stack.db.db, 'tablet-owner');
  const res = await fetch(`${stack.server.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.server.url, 'user-agent': 'TabletBrowser/7.1' },
    body: JSON.stringify({ token }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('sessions card', () => {
  it('lists sessions and ends another one, at 390 and 1280 px', async () => {
    const cookie = await otherDevice();
    const stillIn = async () => (await fetch(`${stack.server.url}/api/me`, { headers: { cookie } })).status;
    expect(await stillIn()).toBe(200);
    const page = await stack.signedInPage('/settings');
    try {
      mkdirSync(SHOTS, { recursive: true });
      const card = page.getByTestId('sessions');
      await card.getByText('TabletBrowser/7.1').waitFor();
      expect(await card.getByText('this browser').count()).toBe(1);
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await card.scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SHOTS, `sessions-${width}.png`), fullPage: true });
      }
      await card.getByRole('button', { name: 'End', exact: true }).click();
      await card.getByRole('button', { name: 'Yes, end it' }).click();
      await page.getByRole('status').getByText('The session of tablet-owner was ended.').waitFor();
      expect(await card.getByText('TabletBrowser/7.1').count()).toBe(0);
      expect(await stillIn()).toBe(401);
    } finally {
      await page.close();
    }
  });
});
