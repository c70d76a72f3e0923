/**
 * Agents and jobs saying what is true, in real Chromium against the real Worker (workerd, the hub
 * Durable Object) and Postgres, with protocol-level agents over real HTTP:
 * - an agent is "never connected" until its daemon polls, online then, offline as soon as it says
 *   it is stopping; revoked agents can be removed from the list;
 * - a queued job that no online agent can take says so on the Jobs page and the job page;
 * - revoking the agent that holds a job hands it back at once (the job page shows it queued);
 * - a gated step can be rejected: the job fails naming who rejected it and why;
 * - the new-job form says "Host is required.", kinds are shown by title, the creator by name,
 *   and nothing that already happened is said to happen "in N seconds".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;

beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

const shots = process.env.SCREENSHOT_DIR ?? '/tmp';

async function agentRow(page: Page, name: string) {
  await page.getByRole('button', { name: 'Refresh' }).click();
  return page.locator('[data-testid="agents-table"] tr', { hasText: name });
}

describe('agents: states that are true', () => {
  it('never connected → online → offline on a clean stop → revoked → removed', async () => {
    const agent = await stack.enrollAgent({ name: 'den-pi', tags: ['den'] });
    const page = await stack.signedInPage('/agents');
    try {
      let row = await agentRow(page, 'den-pi');
      await row.locator('[data-status="never_connected"]').waitFor();
      expect(await row.textContent()).toContain('never connected');

      expect((await agent.wait(0)).status).toBe(200);
      row = await agentRow(page, 'den-pi');
      await row.locator('[data-status="online"]').waitFor();

      expect((await agent.call('/offline', { reason: 'SIGTERM' })).status).toBe(200);
      row = await agentRow(page, 'den-pi');
      await row.locator('[data-status="offline"]').waitFor();

      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByRole('button', { name: 'Yes, revoke den-pi' }).click();
      await row.locator('[data-status="revoked"]').waitFor();
      await page.getByTestId('toasts').getByText('den-pi was revoked.').waitFor();
      await row.getByRole('button', { name: 'Remove' }).click();
      await row.getByRole('button', { name: 'Yes, remove den-pi' }).click();
      await page.getByTestId('toasts').getByText('den-pi was removed from the list.').waitFor();
      await row.waitFor({ state: 'detached' });
    } finally {
      await page.close();
    }
  });
});

describe('jobs: why one waits, who holds it, who rejected it', () => {
  it('a queued job no online agent can take says so, on the list and on its page', async () => {
    // Someone is online, but not with the tag this job needs.
    const home = await stack.enrollAgent({ name: 'home-pi', tags: ['home'] });
    expect((await home.wait(0)).status).toBe(200);
    const jobId = await stack.createJob('agent-selftest', {}, ['garage']);
    const page = await stack.signedInPage('/jobs');
    try {
      const row = page.locator(`[data-testid="jobs-table"] tr`, { hasText: jobId });
      await row.getByRole('link', { name: 'Agent self-test' }).waitFor();
      await row.getByTestId('no-agent').getByText('waiting: no agent online that can run it').waitFor();
      await page.screenshot({ path: `${shots}/jobs-waiting-1280.png`, fullPage: true });

      await row.getByRole('link', { name: 'Agent self-test' }).click();
      const notice = page.getByTestId('no-agent');
      await notice.getByText('No enrolled agent has the tag garage: enroll one with --tags garage, or create the job without it.').waitFor();
      expect(await page.title()).toBe('Agent self-test (queued) · plexops');

      // An agent with the tag, enrolled but not started: the page says what to do.
      const agent = await stack.enrollAgent({ name: 'garage-pi', tags: ['garage'] });
      await page.reload();
      await notice.getByText(/never connected: start it with plexops-agent run/).waitFor();
      await page.screenshot({ path: `${shots}/job-waiting-1280.png`, fullPage: true });

      // It connects and takes the job: the notice is gone (the page follows the job live).
      const job = await agent.nextJob(agent.wait(2000));
      expect(job.id).toBe(jobId);
      await page.getByRole('heading', { name: /Agent self-test/ }).locator('[data-status="claimed"]').waitFor();
      await notice.waitFor({ state: 'detached' });
    } finally {
      await page.close();
    }
  });

  it('revoking the agent that holds a job puts it back in the queue at once', async () => {
    const agent = await stack.enrollAgent({ name: 'attic-pi', tags: ['attic'] });
    const jobId = await stack.createJob('agent-selftest', { emitMs: 60_000 }, ['attic']);
    const job = await agent.nextJob(agent.wait(2000));
    expect((await agent.startStep(job, 0)).body.status).toBe('ok');
    // Keep the lease (5 s here) as a running daemon would, until the revocation refuses it.
    const beat = setInterval(() => void agent.heartbeat(job).catch(() => undefined), 1_000);
    const jobPage = await stack.signedInPage(`/jobs/${jobId}`);
    const agentsPage = await stack.signedInPage('/agents');
    try {
      await jobPage.getByRole('heading', { name: /Agent self-test/ }).locator('[data-status="running"]').waitFor();
      const row = agentsPage.locator('[data-testid="agents-table"] tr', { hasText: 'attic-pi' });
      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByText(/its job is handed back at once/).waitFor();
      await row.getByRole('button', { name: 'Yes, revoke attic-pi' }).click();
      await agentsPage.getByTestId('toasts').getByText('attic-pi was revoked. Its job is queued again for another agent.').waitFor();
      // No lease has to run out: the job page shows it queued (and waiting for an agent) now.
      await jobPage.getByRole('heading', { name: /Agent self-test/ }).locator('[data-status="queued"]').waitFor({ timeout: 5_000 });
      await jobPage.getByTestId('no-agent').waitFor();
    } finally {
      clearInterval(beat);
      await jobPage.close();
      await agentsPage.close();
    }
  });

  it('rejects a gated step: the job fails, saying who rejected it and why', async () => {
    const agent = await stack.enrollAgent({ name: 'gate-pi', tags: ['gate'] });
    const jobId = await stack.createJob('approval-selftest', { note: 'restart plex' }, ['gate']);
    const job = await agent.nextJob(agent.wait(2000));
    await agent.startStep(job, 0);
    await agent.finishStep(job, 0);
    expect((await agent.startStep(job, 1)).body.status).toBe('awaiting_approval');
    const page = await stack.signedInPage(`/jobs/${jobId}`);
    try {
      const approval = page.getByTestId('approval');
      await approval.getByText(/Waiting for your approval/).waitFor();
      await approval.getByText(/of this Approval self-test job/).waitFor();
      await approval.getByRole('button', { name: 'Reject step 2' }).click();
      await approval.getByLabel(/Why \(optional\)/).fill('not during the film');
      await approval.getByRole('button', { name: 'Yes, reject' }).click();
      await page.getByTestId('toasts').getByText('Step “Apply (needs approval)” rejected: the job failed.').waitFor();
      await page.getByRole('heading', { name: /Approval self-test/ }).locator('[data-status="failed"]').waitFor();
      await page.getByText('“Apply (needs approval)” was rejected by Local admin: not during the film').first().waitFor();
      expect((await stack.admin(`/jobs/${jobId}`)).body.error).toMatchObject({ code: 'REJECTED', rejectedBy: 'Local admin' });
      await page.screenshot({ path: `${shots}/job-rejected-1280.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('the new-job form says "Host is required."; the job shows its title, its creator, and no future past', async () => {
    const page = await stack.signedInPage('/jobs/new');
    try {
      const kind = page.getByLabel('Kind');
      await kind.waitFor();
      expect(await kind.locator('option:checked').textContent()).toBe('Connectivity check');
      await page.getByRole('button', { name: 'Add ssh' }).click();
      await page.getByRole('button', { name: 'Create job' }).click();
      const hostError = page.locator('#param-ssh-0-host-err');
      await hostError.waitFor();
      expect(await hostError.textContent()).toBe('Host is required.');
      expect(await page.getByRole('alert').first().textContent()).not.toMatch(/Too small|expected string|>=1/);

      await page.getByLabel('Host').fill('nas.local');
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/\/jobs\/job_/);
      await page.getByRole('heading', { name: /Connectivity check/ }).waitFor();
      await page.getByText(/by Local admin/).waitFor();
      // Every time on the page is a past one: none may read "in …".
      const times = await page.locator('time').allTextContents();
      expect(times.length).toBeGreaterThan(0);
      for (const t of times) expect(t).not.toMatch(/^in /);
    } finally {
      await page.close();
    }
  });
});
