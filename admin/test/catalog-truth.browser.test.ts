/**
 * Truthful catalog data in real Chromium against the real Worker (workerd) and Postgres, with no
 * TMDB key (where duplicates used to come from) and two Plex accounts, all data from real webhooks:
 * - a typo ("Severence") waits on a conflict that says it looks like another spelling; the person
 *   maps it to the existing show by searching the catalog, and the waiting play lands there;
 * - a duplicate movie made earlier ("Oppenhiemer") is merged into the right one from Mappings:
 *   its plays move, the list then holds one movie;
 * - progress says "2 episodes seen" (the total is unknown), Continue watching shows a resume point
 *   and the next episode per account, and a whole season is marked for an account that never
 *   watched the show, then unmarked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, variant, type Payload } from '../../worker/test/fixtures/plex';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;
let webhookUrl: string;

const owner = { id: 1, title: 'owner' };
const kid = { id: 24680135, title: 'kid' };

function ep(event: string, account: { id: number; title: string }, show: { guid: string; title: string }, s: number, e: number, meta: Record<string, unknown> = {}): Payload {
  return {
    ...variant(
      fixture('episode-new-agent-no-guids.scrobble'),
      {
        ratingKey: `${show.guid.slice(-4)}-${s}-${e}-${event}-${account.id}`,
        grandparentRatingKey: `gp-${show.guid.slice(-4)}`,
        guid: `plex://episode/${show.guid.slice(-4)}${s}${e}`,
        grandparentGuid: show.guid,
        grandparentTitle: show.title,
        title: `Chapter ${e}`,
        parentIndex: s,
        index: e,
        ...meta,
      },
      { Account: account },
    ),
    event,
  };
}

function movie(event: string, account: { id: number; title: string }, guid: string, title: string, meta: Record<string, unknown> = {}): Payload {
  return { ...variant(fixture('movie-new-agent.scrobble'), { guid, ratingKey: `${guid.slice(-3)}-${event}-${account.id}`, title, year: 2023, Guid: [], ...meta }, { Account: account }), event };
}

async function send(p: Payload, settle: string[] = ['processed']): Promise<string> {
  const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });
  expect(res.status).toBe(200);
  const { id } = (await res.json()) as { id: string };
  await stack.webhookSettled(id, settle);
  return id;
}

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';
const severance = { guid: 'plex://show/000000000000000000sev1', title: 'Severance' };
const typo = { guid: 'plex://show/000000000000000000sev2', title: 'Severence' };

beforeAll(async () => {
  stack = await startAdminStack();
  const cfg = await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, autoAddShows: true, rateLimitPerMinute: 10_000, trackedAccountIds: ['1', '24680135', '3'] } });
  webhookUrl = cfg.body.webhookUrl as string;
  await send(ep('media.scrobble', owner, severance, 1, 1));
  await send(ep('media.scrobble', owner, severance, 1, 2));
  await send(ep('media.scrobble', kid, severance, 1, 3));
  await send(ep('media.scrobble', kid, severance, 1, 4));
  await send(ep('media.pause', kid, severance, 1, 1, { viewOffset: 210_000, duration: 420_000 }));
});
afterAll(async () => {
  await stack?.shutdown();
});

describe('no silent duplicates', () => {
  it('a typo waits on a conflict; mapping it to the show found in the catalog applies the waiting play there', async () => {
    const waiting = await send(ep('media.scrobble', owner, typo, 1, 3), ['waiting']);
    const page = await stack.signedInPage('/conflicts');
    try {
      const card = page.locator('article.conflict', { hasText: 'Severence' });
      await card.waitFor();
      expect(await card.getByTestId('conflict-reason').textContent()).toMatch(/^Looks like another spelling of something already in the catalog/);
      expect(await card.locator('tbody').textContent()).toContain('Severance');

      await card.getByRole('button', { name: 'Map to an existing show…' }).click();
      await card.getByLabel('Find the show in the catalog').fill('sever');
      await card.getByRole('button', { name: 'Map to this: Severance' }).click();
      await page.getByTestId('toasts').getByText('Mapped to Severance. 1 waiting event was re-processed.').waitFor();
      await card.locator('[data-status="resolved"]').waitFor();
      expect((await stack.admin(`/plex/logs/${waiting}`)).body.status).toBe('processed');

      const shows = (await stack.admin('/shows?query=sever')).body.items as Array<{ title: string; totals: Array<{ accountId: string; watchedEpisodes: number }> }>;
      expect(shows.map((s) => s.title)).toEqual(['Severance']);
      expect(shows[0]!.totals.find((t) => t.accountId === '1')?.watchedEpisodes).toBe(3);
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/conflict-mapped-1280.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('merges a duplicate movie made earlier into the right one from the Mappings page', async () => {
    await send(movie('media.scrobble', owner, 'plex://movie/opp1', 'Oppenheimer'));
    await send(movie('media.scrobble', kid, 'plex://movie/opp2', 'Oppenhiemer'), ['waiting']);
    // How duplicates used to be made: the person chose "create new" for the typo.
    const open = (await stack.admin('/plex/conflicts')).body.items as Array<{ id: string; plexTitle: string }>;
    const c = open.find((x) => x.plexTitle === 'Oppenhiemer')!;
    expect((await stack.admin(`/plex/conflicts/${c.id}/resolve`, { json: { action: 'create_new' } })).status).toBe(200);
    expect(((await stack.admin('/movies?query=oppen')).body.items as unknown[]).length).toBe(2);

    const page = await stack.signedInPage('/mappings');
    try {
      const row = page.locator('[data-testid="mappings-table"] tr', { hasText: 'Oppenhiemer' });
      await row.getByRole('button', { name: 'Merge into…' }).click();
      const panel = page.getByTestId('merge-panel');
      await panel.getByText('Duplicate: Oppenhiemer').waitFor();
      await panel.getByLabel('Movie to keep').fill('oppenheimer');
      await panel.getByRole('button', { name: 'Keep this one: Oppenheimer (2023)' }).click();
      await panel.getByRole('button', { name: 'Merge “Oppenhiemer” into “Oppenheimer”' }).click();
      await panel.getByRole('button', { name: 'Yes, merge them' }).click();
      await page.getByTestId('toasts').getByText(/^Merged “Oppenhiemer”: 1 play, 1 Plex mapping moved\./).waitFor();
      await panel.waitFor({ state: 'detached' });
      const movies = (await stack.admin('/movies?query=oppen')).body.items as Array<{ title: string; watch: Array<{ accountId: string; watched: boolean }> }>;
      expect(movies.map((m) => m.title)).toEqual(['Oppenheimer']);
      expect(movies[0]!.watch.map((w) => `${w.accountId}:${w.watched}`).sort()).toEqual(['1:true', '24680135:true']);
    } finally {
      await page.close();
    }
  });
});

describe('progress that tells the truth, and marking for anyone', () => {
  it('says "episodes seen" without a known total; shows resume points and next up per account', async () => {
    const page = await stack.signedInPage('/library');
    try {
      expect(await page.title()).toBe('Library · plexops');
      const row = page.locator('[data-testid="shows-table"] tr', { hasText: 'Severance' });
      await row.getByTestId('totals-1').getByText('3 episodes seen').waitFor();
      expect(await row.textContent()).not.toMatch(/\d+ \/ \d+|%/);

      const watching = page.getByTestId('continue-watching');
      // kid paused S01E01 halfway and has seen E3, E4: nothing later is known, so no guess.
      await expect.poll(() => watching.getByTestId('watching-24680135').textContent()).toMatch(/In progress\s*Severance S01E01 · Chapter 1\s*· 50 %/);
      expect(await watching.getByTestId('watching-24680135').textContent()).not.toMatch(/Next up/);
      // owner has seen E1–E3; E4 is known (kid played it): that is next.
      expect(await watching.getByTestId('watching-1').textContent()).toMatch(/Next up\s*Severance S01E04 · Chapter 4/);
      await expect.poll(() => watching.textContent()).toMatch(/^Continue watching\s*kid/);
      expect(await watching.textContent()).not.toContain('account 1');
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/library-1280.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('marks a whole season for an account that never watched the show, then unmarks it', async () => {
    const showId = ((await stack.admin('/shows?query=severance')).body.items as Array<{ id: string }>)[0]!.id;
    const page = await stack.signedInPage(`/library/shows/${showId}`);
    try {
      await page.getByRole('heading', { name: 'Severance' }).waitFor();
      expect(await page.title()).toBe('Severance · plexops');
      await expect.poll(() => page.getByTestId('show-watching').textContent()).toMatch(/kid is 50 % into S01E01 · Chapter 1.*owner next: S01E04 · Chapter 4/);
      const select = page.getByLabel('Account', { exact: true });
      await expect.poll(() => select.locator('option').allTextContents()).toEqual(expect.arrayContaining(['owner', 'kid', 'Plex account 3']));
      await select.selectOption('3');
      await page.getByRole('button', { name: 'Mark season 1 watched' }).click();
      await page.getByTestId('toasts').getByText('Season 1 marked watched for Plex account 3 (4 episodes).').waitFor();
      await page.getByTestId('totals-3').getByText('4 episodes seen').waitFor();
      await page.getByRole('button', { name: 'Unmark season 1' }).click();
      await page.getByTestId('toasts').getByText('Season 1 unmarked for Plex account 3 (4 episodes).').waitFor();
      await page.getByRole('button', { name: 'Mark season 1 watched' }).waitFor();
      const detail = (await stack.admin(`/shows/${showId}`)).body as { totals: Array<{ accountId: string; watchedEpisodes: number }> };
      expect(detail.totals.find((t) => t.accountId === '3')?.watchedEpisodes ?? 0).toBe(0);
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/show-detail-1280.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('fits a phone (390 px): Continue watching, the season actions, the catalog picker and the merge panel', async () => {
    const page = await stack.signedInPage('/library');
    const within = async (testId: string) => {
      const box = await page.getByTestId(testId).boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    };
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByTestId('continue-watching').waitFor();
      await within('continue-watching');
      await page.screenshot({ path: `${shots}/library-390.png`, fullPage: true });
      await page.goto(`${stack.server.url}/conflicts`);
      await page.getByRole('button', { name: 'Merge duplicates…' }).click();
      await page.getByTestId('merge-panel').getByLabel('Duplicate show (will be merged away)').fill('sev');
      await page.getByTestId('merge-panel').getByRole('button', { name: /^This is the duplicate: Severance/ }).waitFor();
      await within('merge-panel');
      await page.screenshot({ path: `${shots}/merge-panel-390.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });
});
