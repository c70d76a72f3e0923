/**
 * Phone-first: every page of the admin, filled with a realistic household (admin/test/household.ts),
 * at 390 px and at 1280 px in real Chromium against the real Worker and Postgres. For each page
 * and width: a full-page screenshot goes to `.tmp/screenshots/<page>-<width>.png` (git-ignored; the
 * README names the folder) and the page must not be wider than the viewport
 * (`document.documentElement.scrollWidth <= innerWidth`) — the test names the elements that stick
 * out when it is. At 390 px the navigation is a Menu button that opens and closes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTmdbSim, type TmdbSim } from '../../worker/test/sims/tmdb';
import { startAdminStack, type AdminStack } from './harness';
import { seedHousehold, seedTmdb, type Household } from './household';

// Browser globals used inside page.evaluate callbacks (this test project is typed for Node, not the DOM).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- evaluated in Chromium, not here
declare const document: any, innerWidth: number, innerHeight: number, scrollTo: (x: number, y: number) => void;

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../.tmp/screenshots');

let stack: AdminStack;
let sim: TmdbSim;
let home: Household;

beforeAll(async () => {
  sim = await startTmdbSim();
  seedTmdb(sim);
  stack = await startAdminStack({ TMDB_URL: sim.url });
  home = await seedHousehold(stack, sim);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 180_000);
afterAll(async () => {
  await home?.stop();
  await stack?.shutdown();
  await sim?.close();
});

interface Target {
  name: string;
  path: () => string;
  ready: (p: Page) => Promise<unknown>;
}

const TARGETS: Target[] = [
  { name: 'overview', path: () => '/', ready: (p) => p.getByTestId('now-playing-item').first().waitFor() },
  { name: 'library-shows', path: () => '/library', ready: (p) => p.getByTestId('shows-table').waitFor() },
  { name: 'library-movies', path: () => '/library?tab=movies', ready: (p) => p.getByTestId('movies-table').waitFor() },
  { name: 'show-detail', path: () => `/library/shows/${home.showIds['Breaking Bad']}`, ready: (p) => p.getByTestId('episode-S01E01').waitFor() },
  { name: 'stats', path: () => '/stats', ready: (p) => p.getByTestId('chart-per-day').locator('svg').waitFor() },
  { name: 'account', path: () => '/stats/accounts/1', ready: (p) => p.getByTestId('account-history').waitFor() },
  { name: 'activity', path: () => '/activity', ready: (p) => p.getByTestId('webhook-log').waitFor() },
  { name: 'conflicts', path: () => '/conflicts', ready: (p) => p.getByTestId('candidate').first().waitFor() },
  { name: 'mappings', path: () => '/mappings', ready: (p) => p.getByTestId('mappings-table').waitFor() },
  { name: 'jobs', path: () => '/jobs', ready: (p) => p.getByTestId('jobs-table').waitFor() },
  { name: 'job-approval', path: () => `/jobs/${home.gatedJobId}`, ready: (p) => p.getByTestId('approval').waitFor() },
  { name: 'job-running', path: () => `/jobs/${home.runningJobId}`, ready: (p) => p.getByTestId('progress').first().waitFor() },
  { name: 'job-new', path: () => '/jobs/new', ready: (p) => p.getByLabel('Kind').waitFor() },
  { name: 'agents', path: () => '/agents', ready: (p) => p.getByTestId('agents-table').waitFor() },
  { name: 'settings', path: () => '/settings', ready: (p) => p.getByTestId('webhook-card').waitFor() },
];

/** Loads lazy images (scrolling them into view), waits until every image settled, back to the top. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
      scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 30));
    }
    scrollTo(0, 0);
  });
  await page.waitForFunction(() => [...document.images].every((i) => i.complete), undefined, { timeout: 10_000 });
  await page.waitForTimeout(250);
}

/** The elements whose right edge passes the viewport (the culprits when a page is too wide). */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const culprits: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > innerWidth + 0.5 && !el.closest('.sr-only')) {
        culprits.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().replace(/\s+/g, '.')}` : ''} right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits: culprits.slice(0, 8) };
  });
}

async function shoot(page: Page, name: string, width: number): Promise<void> {
  await settle(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  const o = await overflow(page);
  expect(o.scrollWidth, `${name} at ${width}px is wider than the viewport: ${o.culprits.join(', ')}`).toBeLessThanOrEqual(o.innerWidth);
}

describe.each([390, 1280])('every page at %i px', (width) => {
  it('fits the viewport, and is photographed', async () => {
    const page = await stack.signedInPage('/');
    try {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      for (const t of TARGETS) {
        await page.goto(`${stack.server.url}${t.path()}`);
        await t.ready(page);
        await shoot(page, t.name, width);
      }
    } finally {
      await page.close();
    }
    // The signed-out page, in a fresh context (no session).
    const ctx = await stack.browser.newContext({ viewport: { width, height: 844 } });
    const out = await ctx.newPage();
    try {
      await out.goto(`${stack.server.url}/sign-in`);
      await out.getByRole('heading', { name: 'Admin token' }).waitFor();
      await shoot(out, 'sign-in', width);
    } finally {
      await ctx.close();
    }
  }, 240_000);
});

describe('navigation on a phone', () => {
  it('is a Menu button that opens, closes with Escape, and closes after choosing a page', async () => {
    const page = await stack.signedInPage('/');
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      const nav = page.getByRole('navigation', { name: 'Main' });
      const menu = page.getByRole('button', { name: /^Menu/ });
      await menu.waitFor();
      expect(await nav.isVisible()).toBe(false);
      // The header takes one line, not a third of the screen.
      expect((await page.locator('header.topbar').boundingBox())!.height).toBeLessThan(70);
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await nav.getByRole('link', { name: /Conflicts/ }).waitFor();
      // The badges ride along in the menu: one open conflict, one approval waiting.
      expect(await nav.getByTestId('badge-conflicts').textContent()).toMatch(/^1/);
      expect(await nav.getByTestId('badge-approvals').textContent()).toMatch(/^1/);
      await page.keyboard.press('Escape');
      await nav.waitFor({ state: 'hidden' });
      await menu.click();
      await nav.getByRole('link', { name: /^Library/ }).click();
      await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/library');
      await nav.waitFor({ state: 'hidden' });
      expect(await page.locator('.topbar-page').textContent()).toBe('Library');
      // At 1280 px the links are simply there.
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(await nav.isVisible()).toBe(true);
      expect(await menu.isVisible()).toBe(false);
    } finally {
      await page.close();
    }
  });
});
