/**
 * Jobs pages in real Chromium against the real Worker (workerd) and Postgres: the empty list,
 * creating a connectivity check from the generated form (a server field error shown next to the
 * field, then fixed), the new job queued, cancelled from its page, the live log stream ending,
 * and the status filter on the list. Then a job driven by a protocol-level agent: its log
 * streams in live, its progress shows, a gated step shows what is approved, approving lets the
 * agent run it, and the stream ends with the job — all from the stream's status events, with the
 * job read once on load and once after the approval, never polled. Last, the live log across a
 * Worker restart (the stream drops) and a failed reconnect (HTTP 503, which makes EventSource give
 * up): the page reopens it after the last seq it has, no line is lost or repeated, and the job
 * is re-read once for the reconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../worker/src/contracts';
import { toChunks } from '../../worker/test/support/agent-client';
import type { Page } from 'playwright-core';
import { startAdminStack, type AdminStack } from './harness';
import { screenshotPath } from './browser';

let stack: AdminStack;

/** Opens a job's page signed in, counting the page's `GET /api/jobs/:id` reads from the start. */
async function openJobPage(jobId: string): Promise<{ page: Page; jobReads: string[] }> {
  const page = await stack.signedInPage('/');
  const jobReads: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'GET' && new URL(r.url()).pathname === `/api/jobs/${jobId}`) jobReads.push(r.url());
  });
  await page.goto(`${stack.server.url}/jobs/${jobId}`);
  return { page, jobReads };
}

beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

describe('jobs pages', () => {
  it('creates a job from the form (field error, fixed), sees it queued, cancels it', async () => {
    const page = await stack.signedInPage('/jobs');
    try {
      await page.getByText('No jobs yet.').waitFor();
      await page.getByRole('link', { name: 'New job' }).click();
      await page.getByRole('heading', { name: 'New job' }).waitFor();
      expect(await page.getByLabel('Kind').inputValue()).toBe('connectivity-check');

      // No targets at all: the kind's own rule comes back as a form-level error.
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.getByText('name at least one ssh, kube or nomad target').first().waitFor();

      // A host with a space: the server's issue lands next to the host field.
      await page.getByRole('button', { name: 'Add ssh' }).click();
      const host = page.getByLabel('Host');
      await host.fill('nas local; rm -rf /');
      await page.getByLabel('Port').fill('2222');
      await page.getByRole('button', { name: 'Create job' }).click();
      const hostError = page.locator('#param-ssh-0-host-err');
      await hostError.waitFor();
      expect(await hostError.textContent()).toMatch(/Host must be a hostname/);
      expect(await host.getAttribute('aria-invalid')).toBe('true');
      expect(new URL(page.url()).pathname).toBe('/jobs/new');

      await host.fill('nas.local');
      await page.getByLabel('Required agent tags').fill('home');
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/\/jobs\/job_/);
      const jobId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByRole('heading', { name: /Connectivity check/ }).locator('[data-status="queued"]').waitFor();
      expect(await page.getByTestId('step-0').textContent()).toContain('Check SSH hosts');

      // The API agrees: params and tags went through as typed.
      const stored = await stack.admin(`/jobs/${jobId}`);
      expect(stored.body.params).toEqual({ ssh: [{ host: 'nas.local', port: 2222 }], kube: [], nomad: [] });
      expect(stored.body.tags).toEqual(['home']);

      await page.getByRole('button', { name: 'Cancel job' }).click();
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('heading', { name: /Connectivity check/ }).locator('[data-status="cancelled"]').waitFor();
      await page.getByRole('status').getByText('Cancel requested.').waitFor();
      expect((await stack.admin(`/jobs/${jobId}`)).body.status).toBe('cancelled');
      // The log stream sees the job end; a cancelled job offers a retry.
      await page.getByTestId('log-state').getByText(/has finished/).waitFor();
      await page.getByRole('button', { name: 'Retry' }).waitFor();

      await page.getByRole('link', { name: '← Jobs' }).click();
      const row = page.locator(`tr[data-row-id="${jobId}"]`);
      await row.locator('[data-status="cancelled"]').waitFor();
      await page.getByLabel('Status').selectOption('queued');
      await page.getByText('No queued jobs.').waitFor();
    } finally {
      await page.close();
    }
  });

  it('previews a job (dry run: no approval asked), then runs it for real from the preview', async () => {
    // Tagged, so a job this test leaves behind is never taken by the other tests' untagged agents.
    const agent = await stack.enrollAgent({ name: 'preview-agent', tags: ['preview'] });
    const page = await stack.signedInPage('/jobs/new');
    try {
      await page.getByLabel('Kind').selectOption('approval-selftest');
      await page.getByLabel('Note').fill('swap the disks');
      await page.getByLabel('Required agent tags').fill('preview');
      await page.getByRole('button', { name: 'Preview (dry run)' }).click();
      await page.waitForURL(/\/jobs\/job_/);
      const previewId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByTestId('dry-run-notice').waitFor();
      await page.getByRole('heading', { name: /Approval self-test/ }).locator('[data-status="preview"]').waitFor();

      // The agent is told it is a dry run, and no step waits for an approval.
      const job = (await agent.wait(0, undefined, { previews: true })).body.job as ClaimedJob;
      expect(job).toMatchObject({ id: previewId, dryRun: true });
      for (const i of [0, 1]) {
        expect((await agent.startStep(job, i)).body.status).toBe('ok');
        expect((await agent.finishStep(job, i)).status).toBe(200);
      }
      expect((await agent.finish(job, 'succeeded', [])).body).toMatchObject({ ok: true });
      await page.getByRole('heading', { name: /Approval self-test/ }).locator('[data-status="succeeded"]').waitFor();
      await page.setViewportSize({ width: 390, height: 800 });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.screenshot({ path: screenshotPath('job-preview-390'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: screenshotPath('job-preview-1280'), fullPage: true });

      await page.getByRole('button', { name: 'Run it for real' }).click();
      await page.getByRole('button', { name: 'Yes, create the real job' }).click();
      await page.waitForURL((u) => /\/jobs\/job_/.test(u.pathname) && !u.pathname.endsWith(previewId));
      const realId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByRole('heading', { name: /Approval self-test/ }).locator('[data-status="queued"]').waitFor();
      expect(await page.getByTestId('dry-run-notice').count()).toBe(0);
      const real = await stack.admin(`/jobs/${realId}`);
      expect(real.body).toMatchObject({ dryRun: false, tags: ['preview'], params: { note: 'swap the disks' } });
      expect(real.body.steps[1].needsApproval).toBe(true);
      await stack.admin(`/jobs/${realId}/cancel`, { json: {} });
    } finally {
      await page.close();
    }
  });

  it('renders a kind’s choice of alternatives (a union) and long text as a text area', async () => {
    const page = await stack.signedInPage('/jobs/new');
    try {
      await page.getByLabel('Kind').selectOption('overseerr-to-nomad');
      const jobspec = page.getByTestId('union-jobspec');
      await jobspec.waitFor();
      const mode = jobspec.getByLabel('Mode');
      expect(await mode.locator('option:checked').textContent()).toBe('Template');
      await jobspec.getByLabel('Image').waitFor();
      await mode.selectOption({ label: 'Hcl' });
      const hcl = jobspec.getByLabel('Hcl');
      await hcl.waitFor();
      expect(await hcl.evaluate((el: { tagName: string }) => el.tagName)).toBe('TEXTAREA');
      expect(await jobspec.getByLabel('Image').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('shows a transfer’s live progress with its unit, rate and ETA as heartbeats bring it', async () => {
    const agent = await stack.enrollAgent({ name: 'progress-agent' });
    const jobId = await stack.createJob('agent-selftest', { lines: 1 });
    const { page } = await openJobPage(jobId);
    try {
      const job = (await agent.wait(0)).body.job as ClaimedJob;
      expect((await agent.startStep(job, 0)).body.status).toBe('ok');
      const GiB = 1024 ** 3;
      const beat = (done: number) =>
        agent.heartbeat(job, { progress: { stepIndex: 0, message: 'streaming Library', done, total: 2 * GiB, unit: 'bytes', rate: 100 * 1024 ** 2, etaSeconds: Math.round((2 * GiB - done) / (100 * 1024 ** 2)) } });
      expect((await beat(GiB / 2)).status).toBe(200);
      const text = page.getByTestId('progress');
      await text.getByText(/512 MiB of 2\.0 GiB · 25 % · 100 MiB\/s · about 15 s left/).waitFor();
      expect((await beat(1.5 * GiB)).status).toBe(200);
      await text.getByText(/1\.5 GiB of 2\.0 GiB · 75 % · 100 MiB\/s · about 5 s left/).waitFor();
      expect(await page.getByRole('progressbar', { name: 'Progress of agent-selftest' }).getAttribute('aria-valuenow')).toBe('75');
      // Hand the job back finished, so later tests' agents find only their own jobs.
      expect((await agent.finishStep(job, 0, 'failed')).status).toBe(200);
      expect((await agent.finish(job, 'failed', [])).body).toMatchObject({ ok: true });
    } finally {
      await page.close();
    }
  });

  it('streams logs live, shows progress, and gates a step on approval', async () => {
    const agent = await stack.enrollAgent({ name: 'ui-agent' });
    const jobId = await stack.createJob('approval-selftest', { note: 'deploy v2' });
    const { page, jobReads } = await openJobPage(jobId);
    try {
      const heading = page.getByRole('heading', { name: /Approval self-test/ });
      await heading.locator('[data-status="queued"]').waitFor();
      await page.getByTestId('log-state').getByText('Live').waitFor();

      const lines = ['preparing release\n', 'checked 3 hosts\n', 'applying deploy v2\n', 'done\n'];
      const chunks = toChunks(lines);
      const first = (await agent.wait(0)).body.job as ClaimedJob;
      expect((await agent.startStep(first, 0)).body.status).toBe('ok');
      const hb = await agent.heartbeat(first, { progress: { stepIndex: 0, message: 'copying media', done: 512 * 1024 * 1024, total: 1024 * 1024 * 1024, unit: 'bytes', etaSeconds: 90 } });
      expect(hb.status).toBe(200);
      expect((await agent.logs(first, chunks.slice(0, 2).map((c) => ({ ...c, stepIndex: 0 })))).status).toBe(200);

      const log = page.getByTestId('job-log');
      await log.getByText('checked 3 hosts').waitFor();
      const bar = page.getByRole('progressbar', { name: 'Progress of approval-selftest' });
      await bar.waitFor();
      expect(await bar.getAttribute('aria-valuenow')).toBe('50');
      expect(await page.getByTestId('progress').textContent()).toMatch(/copying media.*512 MiB of 1\.0 GiB · 50 % · about 1 min 30 s left/);

      expect((await agent.finishStep(first, 0)).status).toBe(200);
      expect((await agent.startStep(first, 1)).body.status).toBe('awaiting_approval');
      const approval = page.getByTestId('approval');
      await approval.getByText(/Waiting for your approval/).waitFor();
      expect(await approval.textContent()).toContain('deploy v2');
      expect(await approval.textContent()).toMatch(/[0-9a-f]{64}/);
      await heading.locator('[data-status="awaiting_approval"]').waitFor();
      await page.getByTestId('step-0').locator('[data-status="succeeded"]').waitFor();
      // Everything since the load came over the stream: the job was read once, and longer than
      // the old 4 s poll interval later, still only once.
      expect(jobReads).toHaveLength(1);
      await page.waitForTimeout(5_000);
      expect(jobReads).toHaveLength(1);
      await approval.getByRole('button', { name: 'Approve step 2' }).click();
      await approval.getByRole('button', { name: 'Yes, approve' }).click();
      await page.getByRole('status').getByText('Step “Apply (needs approval)” approved.').waitFor();
      await approval.waitFor({ state: 'detached' });
      await page.getByTestId('step-1').getByText(/approved by/).waitFor();

      const second = (await agent.wait(0)).body.job as ClaimedJob;
      expect(second.id).toBe(jobId);
      expect((await agent.startStep(second, 1)).body.status).toBe('ok');
      expect((await agent.logs(second, chunks.slice(2).map((c) => ({ ...c, stepIndex: 1 })))).status).toBe(200);
      expect((await agent.finishStep(second, 1)).status).toBe(200);
      expect((await agent.finish(second, 'succeeded', lines)).body).toMatchObject({ ok: true });

      await page.getByTestId('log-state').getByText(/has finished/).waitFor();
      expect(await log.textContent()).toBe(lines.join(''));
      await heading.locator('[data-status="succeeded"]').waitFor();
      // One read on load, one after the approve action; the rest came from status events.
      expect(jobReads).toHaveLength(2);
    } finally {
      await page.close();
    }
  });

  it('keeps the live log whole across a dropped stream and a failed reconnect', async () => {
    const agent = await stack.enrollAgent({ name: 'drop-agent' });
    const jobId = await stack.createJob('agent-selftest', { lines: 1 });
    const { page, jobReads } = await openJobPage(jobId);
    try {
      const opened: Array<{ url: string; lastEventId: string | undefined }> = [];
      page.on('request', async (r) => {
        if (r.url().includes('/logs/stream')) opened.push({ url: r.url(), lastEventId: (await r.allHeaders())['last-event-id'] });
      });
      await page.getByTestId('log-state').getByText('Live').waitFor();
      const lines = ['one\n', 'two\n', 'three\n', 'four\n', 'five\n'];
      const chunks = toChunks(lines);
      const job = (await agent.wait(0)).body.job as ClaimedJob;
      expect((await agent.startStep(job, 0)).body.status).toBe('ok');
      expect((await agent.logs(job, chunks.slice(0, 2))).status).toBe(200);
      const log = page.getByTestId('job-log');
      await log.getByText('two').waitFor();

      // The browser's own reconnect gets a 503: EventSource closes for good, the page reopens it.
      let refused = 0;
      await page.route('**/logs/stream**', async (route) => {
        if (refused++ === 0) await route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"DB_UNAVAILABLE","message":"down","requestId":"r"}}' });
        else await route.continue();
      });
      await stack.restartWorker();
      await page.getByTestId('log-state').getByText(/reconnecting/).waitFor();
      expect((await agent.logs(job, chunks.slice(2, 4))).status).toBe(200);
      await log.getByText('four').waitFor({ timeout: 20_000 });
      await page.getByTestId('log-state').getByText('Live').waitFor();
      expect((await agent.logs(job, chunks.slice(4))).status).toBe(200);
      await log.getByText('five').waitFor();
      expect(await log.textContent()).toBe(lines.join(''));
      // The page's own reopen asked for what came after the last line it had.
      expect(opened.some((o) => o.url.includes('after=1&'))).toBe(true);
      // The reconnect re-read the job once (changes may have gone by while it was down).
      await expect.poll(() => jobReads.length).toBe(2);
      await page.getByRole('heading', { name: /Agent self-test/ }).locator('[data-status="running"]').waitFor();
    } finally {
      await page.close();
    }
  });
});
