/**
 * The admin under its Content-Security-Policy (admin/public/_headers, served by Workers static
 * assets in workerd) in real Chromium: sign-in, every page, a job's live log stream and a form
 * post work, and the browser reports no CSP violation and no page error. Also: the admin refuses
 * to be framed.
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

describe('the admin under its CSP', () => {
  it('every page works with no CSP violation', async () => {
    const jobId = await stack.createJob('agent-selftest', {}, ['csp']);
    const page = await stack.signedInPage('/');
    const problems: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    // Violations are also reported as events inside the page.
    await page.evaluate(`document.addEventListener('securitypolicyviolation', (e) => console.error('Refused to ' + e.violatedDirective + ' ' + e.blockedURI))`);
    try {
      for (const p of ['/', '/library', '/activity', '/conflicts', '/mappings', '/jobs', `/jobs/${jobId}`, '/agents', '/settings']) {
        await page.goto(`${stack.server.url}${p}`);
        await page.evaluate(`document.addEventListener('securitypolicyviolation', (e) => console.error('Refused to ' + e.violatedDirective + ' ' + e.blockedURI))`);
        await page.getByTestId('principal').waitFor();
        await page.waitForLoadState('networkidle').catch(() => undefined);
      }
      // A write through the typed client (fetch + JSON) from the settings form.
      await page.getByLabel('Watched threshold (%)').fill('88');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('status').getByText('Settings saved.').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('refuses to be framed by another origin', async () => {
    const page = await stack.browser.newPage();
    const refusals: string[] = [];
    page.on('console', (m) => {
      if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
    });
    try {
      // about:blank is not the admin's origin: a page that tries to frame the admin.
      await page.setContent('<iframe id="f"></iframe>');
      await page.evaluate(`new Promise((resolve) => { const f = document.getElementById('f'); f.onload = resolve; f.src = ${JSON.stringify(`${stack.server.url}/`)}; })`);
      const child = page.frames().find((f) => f !== page.mainFrame());
      const rendered = child ? await child.evaluate('document.getElementById("app")?.childElementCount ?? -1').catch(() => -1) : -1;
      expect(rendered).toBe(-1);
      expect(refusals.length).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});
