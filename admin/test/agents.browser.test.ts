/**
 * Agents page in real Chromium against the real Worker (workerd) and Postgres: the empty state,
 * enrolling shows the exact `plexops-agent enroll` command with a one-time code and a countdown,
 * that code enrolls a real agent over the agent protocol, the agent is listed, and revoking it
 * (after a confirmation) locks it out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAgentClient } from '../../worker/test/support/agent-client';
import { startAdminStack, type AdminStack } from './harness';

let stack: AdminStack;

beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(async () => {
  await stack?.shutdown();
});

describe('agents page', () => {
  it('enrolls an agent with the shown command, lists it, revokes it', async () => {
    const page = await stack.signedInPage('/agents');
    try {
      await page.getByText('No agents yet.').waitFor();
      await page.getByRole('button', { name: 'Enroll an agent' }).click();
      // The enrollment fixes the tags the agent may have: a bad one is named under the field.
      await page.getByLabel('Tags it may have').fill('home, bad tag!');
      await page.getByRole('button', { name: 'Create enrollment code' }).click();
      await page.locator('#enroll-tags-err').waitFor();
      await page.getByLabel('Tags it may have').fill('home, k8s');
      await page.getByRole('button', { name: 'Create enrollment code' }).click();
      const command = (await page.getByTestId('enroll-command').textContent())!;
      const code = (await page.getByTestId('enroll-code').textContent())!;
      expect(command).toBe(`plexops-agent enroll --server ${stack.server.url} --code ${code} --tags home,k8s`);
      // Asking for a tag the enrollment does not allow is refused, and the code is not used up.
      const greedy = await new TestAgentClient(stack.server.url).enroll(code, { name: 'greedy', tags: ['home', 'gpu'] });
      expect(greedy.status).toBe(400);
      expect(code.length).toBeGreaterThanOrEqual(8);
      expect(await page.getByTestId('enroll-countdown').textContent()).toMatch(/^1[45] min/);
      await page.getByRole('button', { name: 'Copy command' }).waitFor();

      // The code from the page works once with the real agent protocol.
      const agent = new TestAgentClient(stack.server.url);
      const enrolled = await agent.enroll(code, { name: 'nas-agent', tags: ['home', 'k8s'] });
      expect(enrolled.status).toBe(201);
      expect((await new TestAgentClient(stack.server.url).enroll(code)).status).not.toBe(201);
      expect((await agent.wait(0)).status).toBe(200);

      await page.getByRole('button', { name: 'Done' }).click();
      const row = page.locator('[data-testid="agents-table"] tr', { hasText: 'nas-agent' });
      await row.waitFor();
      expect(await row.textContent()).toContain('home, k8s');
      await row.locator('[data-status="online"]').waitFor();

      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByRole('button', { name: 'Yes, revoke nas-agent' }).click();
      await row.locator('[data-status="revoked"]').waitFor();
      await page.getByRole('status').getByText('nas-agent was revoked.').waitFor();
      expect((await agent.wait(0)).status).toBe(401);
    } finally {
      await page.close();
    }
  });
});
