/**
 * The Overview dashboard in real Chromium against the real Worker (workerd, Hub DO) and Postgres,
 * fed by real webhooks and an agent speaking the real protocol. Everything after the first paint
 * arrives over the one live stream — the page never reloads and never polls: the first-run
 * checklist ticks itself step by step and disappears, a play shows up under Now playing with its
 * poster and a moving position, a pause shows as paused, a running job's progress moves, a gated
 * step appears with a link straight to the approval (scrolled into view and focused on the job
 * page), and the navigation badges for conflicts and approvals follow on every page. Live updates
 * of a filled dashboard cause no layout shift (Chromium's layout-shift entries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ClaimedJob } from '../../worker/src/contracts';
import { fixture, variant } from '../../worker/test/fixtures/plex';
import { officeEpisode } from '../../worker/test/fixtures/plex/the-office';
import { startAdminStack, type AdminStack } from './harness';
import { deliver } from './household';

// Browser globals used inside page.evaluate callbacks (this test project is typed for Node, not the DOM).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- evaluated in Chromium, not here
declare const document: any, window: any, PerformanceObserver: any, Element: any;

let stack: AdminStack;

beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

/** Requests the page makes to the overview API (the stream and any plain read). */
function watchOverviewRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/overview')) seen.push(u.pathname + u.search);
  });
  return seen;
}

async function stepDone(page: Page, key: string): Promise<void> {
  await page.locator(`[data-testid="first-run-${key}"][data-done="true"]`).waitFor();
}

describe('the overview', () => {
  let webhookUrl = '';
  /** The webhook URL (saving the settings first when a test runs on its own). */
  const hook = async () => {
    if (!webhookUrl) webhookUrl = (await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, autoAddShows: true, rateLimitPerMinute: 10_000 } })).body.webhookUrl;
    return webhookUrl;
  };

  it('ticks the first-run checklist from real state and shows what plays, live', async () => {
    const page = await stack.signedInPage('/');
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    // Counted from this fresh load on.
    const requests = watchOverviewRequests(page);
    try {
      await page.reload();
      navigations = 0;
      const checklist = page.getByTestId('first-run');
      await checklist.waitFor();
      expect(await page.getByTestId('first-run-count').textContent()).toBe('0 of 4 done');
      await page.getByTestId('now-playing').getByText('Nothing is playing.').waitFor();

      // 1. Settings saved (through the API, as the Settings page would): ticks without a reload.
      const cfg = await stack.admin('/plex/config', { method: 'PUT', json: { enabled: true, autoAddShows: true, rateLimitPerMinute: 10_000 } });
      webhookUrl = cfg.body.webhookUrl;
      await stepDone(page, 'settingsSaved');
      expect(await page.getByTestId('first-run-count').textContent()).toBe('1 of 4 done');

      // 2 + 3. Plex calls the URL with a play (and its poster): both tick, and it plays.
      await deliver(stack, webhookUrl, variant(fixture('episode-legacy.play'), { viewOffset: 300_000 }), 'breaking bad');
      await stepDone(page, 'webhookReceived');
      await stepDone(page, 'playbackSeen');
      const item = page.getByTestId('now-playing-item');
      await item.waitFor();
      expect(await item.textContent()).toMatch(/Breaking Bad.*playing.*S01E01 · Pilot.*owner · Living Room TV/);
      await page.waitForFunction(() => {
        const img = document.querySelector('[data-testid="now-playing-item"] img');
        return !!img && img.complete && img.naturalWidth > 0;
      });
      // The position moves on by itself while it plays (5:00 at the event).
      const position = item.getByTestId('now-playing-position');
      await page.waitForFunction((el) => /^5:0[2-9] \/ 58:00$/.test(el!.textContent ?? ''), await position.elementHandle());

      // Paused: shown as paused, the position stops.
      await deliver(stack, webhookUrl, { ...variant(fixture('episode-legacy.play'), { viewOffset: 400_000 }), event: 'media.pause' });
      await item.getByText('paused', { exact: true }).waitFor();
      expect(await position.textContent()).toBe('6:40 / 58:00');

      // 4. An agent: the last step; the checklist goes away.
      const agent = await stack.enrollAgent({ name: 'checklist-agent' });
      await agent.wait(0);
      await checklist.waitFor({ state: 'detached' });
      await page.getByTestId('overview-agents').getByText('checklist-agent').waitFor();

      // Stopped: gone from Now playing.
      await deliver(stack, webhookUrl, { ...variant(fixture('episode-legacy.play'), { viewOffset: 400_000 }), event: 'media.stop' });
      await page.getByTestId('now-playing').getByText('Nothing is playing.').waitFor();

      // All of that came over one stream: no reload, no plain overview read, no polling.
      expect(navigations).toBe(0);
      // One stream; EventSource may reconnect once if a loaded machine drops it — polling would be many.
      expect(requests.filter((r) => r.startsWith('/api/overview/stream?scope=overview')).length).toBeLessThanOrEqual(2);
      expect(requests.filter((r) => !r.startsWith('/api/overview/stream'))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('links an approval straight to it, and keeps the badges current on every page', async () => {
    const page = await stack.signedInPage('/library');
    try {
      const badge = page.getByTestId('badge-approvals');
      await page.getByRole('heading', { name: 'Library', level: 1 }).waitFor();
      expect(await badge.count()).toBe(0);
      // A job reaches its gate while the Library page is open: the badge appears by itself.
      const agent = await stack.enrollAgent({ name: 'gate-agent', tags: ['gate'] });
      const jobId = await stack.createJob('approval-selftest', { note: 'rotate certificates' }, ['gate']);
      const job = (await agent.nextJob(agent.wait(0))) as ClaimedJob;
      expect(job.id).toBe(jobId);
      expect((await agent.startStep(job, 0)).body.status).toBe('ok');
      expect((await agent.finishStep(job, 0)).status).toBe(200);
      expect((await agent.startStep(job, 1)).body.status).toBe('awaiting_approval');
      await badge.waitFor();
      expect(await badge.textContent()).toBe('1 1 awaiting approval');
      // An ambiguous show (two "The Office" in the catalog, no TMDB): the Conflicts badge follows.
      await stack.db.raw.query(`INSERT INTO shows (id, title, year) VALUES ('shw_o1', 'The Office', 2005), ('shw_o2', 'The Office', 2001) ON CONFLICT DO NOTHING`);
      await deliver(stack, await hook(), officeEpisode(1));
      const conflicts = page.getByTestId('badge-conflicts');
      await conflicts.waitFor();

      await page.getByRole('link', { name: /^Overview/ }).click();
      const card = page.getByTestId('overview-approvals');
      const link = card.getByRole('link', { name: 'Approve step 2: Apply (needs approval)' });
      await link.waitFor();
      expect(await link.getAttribute('href')).toBe(`/jobs/${jobId}#approve-1`);
      await link.click();
      await page.waitForURL(`**/jobs/${jobId}#approve-1`);
      // The approval is in view and has the focus.
      await page.waitForFunction(() => document.activeElement?.id === 'approve-1');
      const box = await page.locator('#approve-1').boundingBox();
      expect(box!.y).toBeGreaterThanOrEqual(0);
      expect(box!.y).toBeLessThan(900);

      await page.getByTestId('approval').getByRole('button', { name: 'Approve step 2' }).click();
      await page.getByRole('button', { name: 'Yes, approve' }).click();
      await badge.waitFor({ state: 'detached' });
      expect(await conflicts.count()).toBe(1);
    } finally {
      await page.close();
    }
  });

  it('moves a running job’s progress live and does not shift the layout while updating', async () => {
    // Setup done (settings, a delivery, playback, an agent): no first-run checklist in the way.
    await deliver(stack, await hook(), { ...fixture('episode-legacy.play'), event: 'media.stop' });
    const agent = await stack.enrollAgent({ name: 'busy-agent', tags: ['busy'] });
    const jobId = await stack.createJob('agent-selftest', { lines: 1 }, ['busy']);
    const job = (await agent.nextJob(agent.wait(0))) as ClaimedJob;
    expect(job.id).toBe(jobId);
    expect((await agent.startStep(job, 0)).body.status).toBe('ok');
    let done = 20;
    const beat = () => agent.heartbeat(job, { progress: { stepIndex: 0, message: 'copying media', done, total: 200, unit: 'files', etaSeconds: 60 } });
    expect((await beat()).status).toBe(200);
    // Heartbeats keep the (short, 5 s) lease while the test runs, as the daemon's do.
    let beating = true;
    const heart = (async () => {
      while (beating) {
        await beat().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    const page = await stack.signedInPage('/');
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      const bar = page.getByTestId('overview-jobs').getByRole('progressbar', { name: 'Progress of agent-selftest' });
      await bar.waitFor();
      expect(await bar.getAttribute('aria-valuenow')).toBe('10');
      await page.evaluate(() => {
        const w = window as unknown as { __cls: number; __shifts: string[] };
        w.__cls = 0;
        w.__shifts = [];
        type Rect = { x: number; y: number; width: number; height: number };
        type Named = { tagName?: string; className?: string };
        type Shift = { value: number; hadRecentInput: boolean; sources: Array<{ node?: Named & { parentElement?: Named }; previousRect: Rect; currentRect: Rect }> };
        new PerformanceObserver((list: { getEntries(): Shift[] }) => {
          for (const e of list.getEntries()) {
            if (e.hadRecentInput) continue;
            w.__cls += e.value;
            for (const src of e.sources) {
              const el: Named | undefined = src.node instanceof Element ? src.node : src.node?.parentElement;
              w.__shifts.push(`${e.value.toFixed(4)} ${el?.tagName ?? '?'}.${el?.className ?? ''} ${Math.round(src.previousRect.x)},${Math.round(src.previousRect.y)} ${Math.round(src.previousRect.width)}x${Math.round(src.previousRect.height)} → ${Math.round(src.currentRect.x)},${Math.round(src.currentRect.y)} ${Math.round(src.currentRect.width)}x${Math.round(src.currentRect.height)}`);
            }
          }
        }).observe({ type: 'layout-shift' });
      });
      // Progress moves, a play starts and pauses, the conflicts count changes: all live.
      done = 120;
      expect((await beat()).status).toBe(200);
      await page.waitForFunction((el) => el?.getAttribute('aria-valuenow') === '60', await bar.elementHandle());
      await deliver(stack, await hook(), variant(fixture('episode-legacy.play'), { ratingKey: '4102', index: 2, viewOffset: 60_000 }, { Player: { title: 'Bedroom TV', uuid: 'bedroom-1', local: true } }), 'bb again');
      await page.getByTestId('now-playing-item').waitFor();
      await deliver(stack, webhookUrl, { ...variant(fixture('episode-legacy.play'), { ratingKey: '4102', index: 2, viewOffset: 90_000 }, { Player: { title: 'Bedroom TV', uuid: 'bedroom-1', local: true } }), event: 'media.pause' });
      await page.getByTestId('now-playing-item').getByText('paused', { exact: true }).waitFor();
      await deliver(stack, webhookUrl, officeEpisode(3, 'media.stop'));
      await page.waitForTimeout(1_500);
      const { cls, shifts } = await page.evaluate(() => {
        const w = window as unknown as { __cls: number; __shifts: string[] };
        return { cls: w.__cls, shifts: w.__shifts };
      });
      expect(cls, `layout shifts: ${shifts.join(' | ')}`).toBeLessThan(0.01);
    } finally {
      beating = false;
      await heart;
      await page.close();
    }
  });
});
