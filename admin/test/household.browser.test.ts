/**
 * The admin with a realistic household in it (admin/test/household.ts: real webhooks with posters,
 * the TMDB simulator, agents on the real protocol), in real Chromium against the real Worker and
 * Postgres:
 * - Phone-first: every page at 390 px and 1280 px. For each page and width a full-page screenshot
 *   goes to `.tmp/screenshots/<page>-<width>.png` (git-ignored; the README names the folder) and
 *   the page must not be wider than the viewport (`document.documentElement.scrollWidth <=
 *   innerWidth`); the test names the elements that stick out when it is. At 390 px the navigation
 *   is a Menu button that opens and closes.
 * - Pictures: plays per day with axes, dates and tooltips (mouse and keyboard), split by account
 *   or by episode/movie, 30 or 90 days in the URL; by hour and weekday; top shows and movies; an
 *   account's page with totals, favourite shows and its history — the numbers checked against the
 *   API.
 * - Posters: TMDB posters and Plex thumbs actually decode in Library, a show, Conflicts (the item
 *   and every candidate) and Activity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SCREENSHOTS } from './browser';
import type { Page } from 'playwright-core';
import { startTmdbSim, type TmdbSim } from '../../worker/test/sims/tmdb';
import { startAdminStack, type AdminStack } from './harness';
import { seedHousehold, seedTmdb, type Household } from './household';

// Browser globals used inside page.evaluate callbacks (this test project is typed for Node, not the DOM).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- evaluated in Chromium, not here
declare const document: any, innerWidth: number, innerHeight: number, scrollTo: (x: number, y: number) => void;

export { SCREENSHOTS };

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

/** Images in `scope` that have loaded and decoded (a broken or missing one has naturalWidth 0). */
async function decodedImages(page: Page, selector: string): Promise<{ total: number; decoded: number }> {
  await settle(page); // lazy images load only once scrolled into view
  await page.waitForFunction((sel: string) => [...document.querySelectorAll(`${sel} img`)].every((i: { complete: boolean }) => i.complete), selector, { timeout: 10_000 });
  return page.evaluate((sel: string) => {
    const imgs = [...document.querySelectorAll(`${sel} img`)] as Array<{ naturalWidth: number }>;
    return { total: imgs.length, decoded: imgs.filter((i) => i.naturalWidth > 0).length };
  }, selector);
}

describe('pictures', () => {
  it('plots plays per day with axes, dates and tooltips, split by account or kind, over 30 or 90 days', async () => {
    const api = (await stack.admin('/stats?days=30&tz=UTC')).body;
    const page = await stack.signedInPage('/stats');
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      const chart = page.getByTestId('chart-per-day');
      await chart.locator('svg').waitFor();
      expect(await chart.locator('g.bar').count()).toBe(30);
      // A y axis with round ticks from 0, and dates along the x axis.
      const axis = await chart.locator('g.axis text').allTextContents();
      expect(axis[0]).toBe('0');
      expect(axis.some((t) => /^\d{1,2} [A-Z][a-z]{2}$|^[A-Z][a-z]{2} \d{1,2}$/.test(t))).toBe(true);
      expect(await chart.locator('.legend').textContent()).toMatch(/kid.*owner.*sam/);

      // Hover the busiest day: the tooltip names the date and each account's count, as the API says.
      const busiest = api.perDay.reduce((best: number, d: { episodes: number; movies: number }, i: number, all: Array<{ episodes: number; movies: number }>) => (d.episodes + d.movies > all[best]!.episodes + all[best]!.movies ? i : best), 0);
      const day = api.perDay[busiest];
      await chart.locator('g.bar').nth(busiest).hover();
      const tip = chart.locator('.chart-tip');
      await tip.waitFor();
      const tipText = (await tip.textContent())!;
      const when = new Date(`${day.day}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
      expect(tipText).toContain(when);
      for (const [account, n] of Object.entries(day.byAccount as Record<string, number>)) {
        const title = api.accounts.find((a: { id: string }) => a.id === account).title;
        expect(tipText).toContain(`${title}: ${n}`);
      }
      // Keyboard: every bar is focusable and says what it shows.
      const first = chart.locator('g.bar').first();
      await first.focus();
      expect(await first.getAttribute('aria-label')).toMatch(/: \d+ plays/);
      await tip.waitFor();

      await page.getByRole('button', { name: 'Episodes / movies' }).click();
      await chart.locator('.legend').getByText('movies').waitFor();
      expect(new URL(page.url()).search).toBe('?split=kind');
      await page.getByRole('button', { name: '90 days' }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-per-day"] g.bar').length === 90);
      expect(new URL(page.url()).search).toBe('?days=90&split=kind');
      // The choice survives a reload (it lives in the URL).
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart-per-day"] g.bar').length === 90);

      expect(await page.getByTestId('chart-hours').locator('g.bar').count()).toBe(24);
      expect(await page.getByTestId('chart-weekdays').locator('g.bar').count()).toBe(7);
      const api90 = (await stack.admin('/stats?days=90&tz=UTC')).body;
      const tops = await page.getByTestId('top-show').allTextContents();
      expect(tops.map((t) => t.split(' (')[0])).toEqual(api90.topShows.map((s: { title: string }) => s.title));
      expect(await decodedImages(page, '.top-list')).toEqual({ total: api90.topShows.length + api90.topMovies.length, decoded: api90.topShows.length + api90.topMovies.length });
    } finally {
      await page.close();
    }
  });

  it("shows an account's totals, favourite shows, graphs and whole history", async () => {
    const api = (await stack.admin('/stats/accounts/24680135')).body;
    const page = await stack.signedInPage('/stats');
    try {
      await page.getByTestId('accounts').getByRole('link', { name: 'kid' }).click();
      await page.getByRole('heading', { name: 'kid', level: 1 }).waitFor();
      const totals = await page.getByTestId('account-totals').textContent();
      expect(totals).toContain(`${api.plays.toLocaleString('en-US')}plays`);
      expect(await page.getByTestId('favourite-shows').textContent()).toContain('Bluey');
      await page.getByTestId('chart-account-per-day').locator('g.bar').first().waitFor();
      const rows = page.getByTestId('account-history').locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(25);
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="account-history"] tbody tr').length > 25);
      expect(await rows.first().textContent()).toMatch(/Bluey.*S01E04/);
    } finally {
      await page.close();
    }
  });
});

describe('posters', () => {
  it('decode in Library, a show, Conflicts (item and candidates) and Activity', async () => {
    const page = await stack.signedInPage('/library');
    try {
      await page.getByTestId('shows-table').waitFor();
      expect(await decodedImages(page, '[data-testid="shows-table"]')).toEqual({ total: 3, decoded: 3 });
      await page.getByRole('tab', { name: 'Movies' }).click();
      await page.getByTestId('movies-table').waitFor();
      expect(await decodedImages(page, '[data-testid="movies-table"]')).toEqual({ total: 2, decoded: 2 });

      await page.goto(`${stack.server.url}/library/shows/${home.showIds['Breaking Bad']}`);
      await page.getByTestId('episode-S01E01').waitFor();
      expect(await decodedImages(page, '.show-head')).toEqual({ total: 1, decoded: 1 });

      await page.goto(`${stack.server.url}/conflicts`);
      await page.getByTestId('candidate').first().waitFor();
      // The Plex item's thumb and both TMDB candidates' posters.
      expect(await decodedImages(page, '.conflict')).toEqual({ total: 3, decoded: 3 });

      await page.goto(`${stack.server.url}/activity`);
      await page.getByTestId('webhook-log').waitFor();
      const activity = await decodedImages(page, '[data-testid="webhook-log"]');
      expect(activity.total).toBeGreaterThan(10);
      expect(activity.decoded).toBe(activity.total);
    } finally {
      await page.close();
    }
  });
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
