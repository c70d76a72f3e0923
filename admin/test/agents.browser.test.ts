/**
 * Agents page in real Chromium against the real Worker (workerd) and Postgres: the empty state,
 * enrolling shows the exact `plexops-agent enroll` command with a one-time code and a countdown
 * and how to install `plexops-agent`; done as the page says (the real bundle installed under
 * that name, the copied command pasted into a shell) it enrolls the agent, which is listed;
 * revoking it (after a confirmation) locks it out. (`npm start`'s variant, `node /abs/path…`,
 * is pasted in worker/dev/start.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestAgentClient } from '../../worker/test/support/agent-client';
import { agentBundle } from '../../agent/test/support/agent-bin';
import { startAdminStack, type AdminStack } from './harness';

const sh = promisify(execFile);

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
    const home = await mkdtemp(path.join(tmpdir(), 'agent-home-'));
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

      expect(await page.getByTestId('enroll-run-command').textContent()).toBe('plexops-agent run');

      // As the page says: install the built agent as `plexops-agent` (into a bin directory of
      // this test rather than /usr/local/bin), then paste the command into a shell.
      const install = (await page.getByTestId('enroll-install').textContent())!;
      expect(install).toContain('npm run agent:build');
      expect(install).toContain('sudo install -m 0755 plexops-agent.mjs /usr/local/bin/plexops-agent');
      const bin = path.join(home, 'bin');
      await sh('install', ['-D', '-m', '0755', await agentBundle(), path.join(bin, 'plexops-agent')]);
      const env = { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home };
      const enrolled = await sh('/bin/sh', ['-c', `${command} --name nas-agent --tags home,k8s`], { env, timeout: 30_000 });
      expect(enrolled.stdout).toMatch(/^enrolled as agt_\S+ \(nas-agent, tags home,k8s\)/);
      const config = JSON.parse(await readFile(path.join(home, '.config/plexops-agent/config.json'), 'utf8'));
      const agent = new TestAgentClient(stack.server.url, config.token);
      // The code worked once.
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
      await rm(home, { recursive: true, force: true });
    }
  });
});
