/**
 * Jobs pages in real Chromium against the real Worker (workerd) and Postgres: the empty list,
 * creating a connectivity check from the generated form (a server field error shown next to the
 * field, then fixed), the new job queued, cancelled from its page, the live log stream ending,
 * and the status filter on the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;

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
      expect(await hostError.textContent()).toMatch(/host must be a hostname/);
      expect(await host.getAttribute('aria-invalid')).toBe('true');
      expect(new URL(page.url()).pathname).toBe('/jobs/new');

      await host.fill('nas.local');
      await page.getByLabel('Required agent tags').fill('home');
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/\/jobs\/job_/);
      const jobId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByRole('heading', { name: /connectivity-check/ }).locator('[data-status="queued"]').waitFor();
      expect(await page.getByTestId('step-0').textContent()).toContain('Check SSH hosts');

      // The API agrees: params and tags went through as typed.
      const stored = await stack.admin(`/jobs/${jobId}`);
      expect(stored.body.params).toEqual({ ssh: [{ host: 'nas.local', port: 2222 }], kube: [], nomad: [] });
      expect(stored.body.tags).toEqual(['home']);

      await page.getByRole('button', { name: 'Cancel job' }).click();
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('heading', { name: /connectivity-check/ }).locator('[data-status="cancelled"]').waitFor();
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
});
