/**
 * Library pages in real Chromium against the real Worker (workerd) and Postgres, with data from
 * real webhooks (JSON bodies to the configured URL): shows with each account's progress (from the
 * list itself, no per-row request), search,
 * the movies tab, and a show's detail with per-account episode state and manual mark/unmark
 * with a date, checked through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../worker/test/fixtures/plex';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;

function ep(n: number, top: Record<string, unknown> = {}): Payload {
  return variant(fixture('episode-legacy-thetvdb.scrobble'), { ratingKey: `lib-${n}`, index: n, guid: `com.plexapp.agents.thetvdb://81189/1/${n}?lang=en` }, top);
}

beforeAll(async () => {
  stack = await startAdminStack();
  const cfg = await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, autoAddShows: true, rateLimitPerMinute: 10_000 } });
  const url = cfg.body.webhookUrl as string;
  const ids: string[] = [];
  for (const p of [ep(1), ep(2), ep(3), ep(1, { Account: { id: 24680135, title: 'kid' } }), fixture('movie-legacy-imdb.scrobble')]) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });
    expect(res.status).toBe(200);
    ids.push(((await res.json()) as { id: string }).id);
  }
  // Processing runs after each response (waitUntil): wait until all have settled.
  for (const id of ids) await stack.webhookSettled(id, ['processed']);
});
afterAll(async () => {
  await stack?.shutdown();
});

describe('library pages', () => {
  it('lists shows with progress, searches, shows movies, marks and unmarks episodes', async () => {
    const page = await stack.signedInPage('/library');
    // The list carries each show's totals: no per-row `GET /api/shows/:id` while it shows.
    const showReads: string[] = [];
    page.on('request', (r) => {
      if (/\/api\/shows\/[^/?]+/.test(new URL(r.url()).pathname)) showReads.push(r.url());
    });
    try {
      const row = page.locator('[data-testid="shows-table"] tr', { hasText: 'Breaking Bad' });
      await row.waitFor();
      // No TMDB: the catalog knows only the 3 episodes played, which is not the show's total.
      await row.getByTestId('totals-1').getByText('3 episodes seen').waitFor();
      await row.getByTestId('totals-24680135').getByText('1 episode seen').waitFor();
      expect(await row.getByRole('progressbar').count()).toBe(0);
      expect(await row.textContent()).not.toMatch(/3 \/ 3|100 %/);

      await page.getByLabel('Search').fill('godfather');
      await page.getByText('No show matches “godfather”.').waitFor();
      await page.getByRole('tab', { name: 'Movies' }).click();
      const movie = page.locator('[data-testid="movies-table"] tr', { hasText: 'The Godfather' });
      await movie.waitFor();
      expect(await movie.textContent()).toMatch(/watched/);
      await page.getByRole('tab', { name: 'Shows' }).click();
      await page.getByLabel('Search').fill('');
      await row.getByTestId('totals-1').getByText('3 episodes seen').waitFor();
      expect(showReads).toEqual([]);

      await row.getByRole('link', { name: 'Breaking Bad' }).click();
      await page.getByRole('heading', { name: /Breaking Bad/ }).waitFor();
      const showId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByTestId('episode-S01E03').waitFor();

      // The kid watched S01E02 on a given day: mark it with that date.
      await page.getByLabel('Account', { exact: true }).selectOption('24680135');
      await page.getByLabel('Watched on').fill('2020-05-01T20:00');
      await page.getByRole('button', { name: 'Mark watched S01E02 for kid' }).click();
      await page.getByRole('status').getByText('S01E02 marked watched for kid.').waitFor();
      await page.getByTestId('totals-24680135').getByText('2 episodes seen').waitFor();
      let detail = (await stack.admin(`/shows/${showId}`)).body;
      let e2 = detail.seasons[0].episodes.find((e: { episode: number }) => e.episode === 2);
      expect(e2.watch.find((w: { accountId: string }) => w.accountId === '24680135')).toMatchObject({ watched: true, plays: 1, watchedAt: expect.stringMatching(/^2020-05-0[12]T/) });

      await page.getByRole('button', { name: 'Unmark S01E01 for kid' }).click();
      await page.getByRole('status').getByText('S01E01 unmarked for kid.').waitFor();
      detail = (await stack.admin(`/shows/${showId}`)).body;
      const e1 = detail.seasons[0].episodes.find((e: { episode: number }) => e.episode === 1);
      expect(e1.watch.find((w: { accountId: string }) => w.accountId === '24680135')).toMatchObject({ watched: false });
      e2 = detail.seasons[0].episodes.find((e: { episode: number }) => e.episode === 2);
      expect(e2.watch).toHaveLength(2);
    } finally {
      await page.close();
    }
  });
});
