/**
 * @module
 * A real headless Chromium (Debian's package) driven by playwright-core, started with the
 * flags this sandbox needs: no sandbox as root, and no background networking (outbound
 * connections are refused here). Playwright gives every launch a fresh temporary profile.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH, prerequisitePresent, requirePrerequisite } from '../../worker/dev/prerequisites';

export { CHROMIUM_PATH };

/** Where every browser test saves its page screenshots (git-ignored; the README names it). */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../.tmp/screenshots');

/** `.tmp/screenshots/<name>.png`, the folder made if needed. */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

export function chromiumAvailable(): boolean {
  return prerequisitePresent('chromium');
}

/** Fails (never skips) with the command that installs Chromium when it is missing. */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  requirePrerequisite('chromium');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}
