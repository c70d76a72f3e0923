/**
 * The README's `npm start`, for real (npm → sh → node, embedded Postgres, wrangler dev, workerd),
 * in its own data directory and ports, driven as a person and an unlucky machine would:
 * - the first start generates the local SECRETS_KEY (0600), so saving a TMDB key and a Plex
 *   token works, and the webhook URL is shown again after any restart;
 * - kill -9 of the workerd that runs the Worker (`entry=127.0.0.1:0`), and of wrangler's
 *   launcher: the Worker is restarted with Postgres kept, and the old group is gone entirely;
 * - what Ctrl-C sends (SIGINT to the process group): nothing left (processes, ports,
 *   stack.json), and the next start says nothing about an unclean shutdown;
 * - the enroll command the Agents page shows in Chromium runs as pasted and enrolls the agent;
 * - a real crash (kill -9 of npm start itself) IS reported and cleaned up by the next start;
 * - restarts are bounded: past the budget npm start stops loudly and leaves nothing;
 * - PostgreSQL dying stops the stack loudly (restarting the Worker would not help).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, isPortFree } from './ports';
import { groupMembers } from './process-group';
import { adminHttp } from '../test/support/admin-http';
import { killStack, leftoverProcesses, readStackState, startNpmStart, stackStateFile, type NpmStart, type StackPorts } from '../test/support/npm-start';
import { launchBrowser } from '../../admin/test/browser';

const READY = /Press Ctrl-C to stop\./;
const BACK = /the Worker is back at/;
const START_MS = 150_000;

let dataDir: string;
let ports: StackPorts;
let run: NpmStart | undefined;
let url: string;
let token: string;
let webhookUrl: string;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function start(env: Record<string, string> = {}): Promise<NpmStart> {
  run = startNpmStart(dataDir, ports, env);
  await run.waitFor(READY, START_MS);
  return run;
}

/** The workerd that runs the Worker itself (the other one is wrangler's proxy on the public port). */
function workerWorkerd(pgid: number): number {
  const m = groupMembers(pgid).find((p) => p.comm === 'workerd' && p.args.includes('entry=127.0.0.1:0'));
  if (!m) throw new Error(`no Worker workerd in group ${pgid}: ${JSON.stringify(groupMembers(pgid))}`);
  return m.pid;
}

async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function portsFree(): Promise<boolean> {
  return (await Promise.all([ports.http, ports.pg, ports.ws].map((p) => isPortFree(p)))).every(Boolean);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'plexops-start-'));
  chmodSync(dataDir, 0o755); // as root, Postgres runs as "postgres" and must reach its directory
  ports = { http: await freePort(), pg: await freePort(), ws: await freePort() };
  url = `http://127.0.0.1:${ports.http}`;
});

afterAll(() => {
  killStack(run, dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', { timeout: 240_000 }, () => {
  it('first start: generates a 0600 secrets key, so secrets can be saved and the webhook URL is shown', async () => {
    const r = await start();
    const out = r.output();
    const keyFile = path.join(dataDir, 'secrets.key');
    expect(out).toContain(`generated a secrets key in ${keyFile} (mode 0600)`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'worker.env')).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    // The key never appears on a command line (readable by every local user) nor in the output.
    const cmdlines = [...groupMembers(r.pgid), ...groupMembers(r.state().wranglerPid!)].map((m) => m.args).join('\n');
    expect(cmdlines).not.toContain(key);
    expect(out).not.toContain(key);
    expect(out).not.toMatch(/did not shut down cleanly/);

    token = out.match(/pxo_at_[A-Za-z0-9_-]+/)![0];
    const admin = adminHttp(url, token);
    const saved = await admin('/plex/config', { method: 'PUT', json: { tmdbApiKey: 'a'.repeat(32), plexToken: 'plex-token-of-the-owner' } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ hasTmdbKey: true, hasPlexToken: true });
    webhookUrl = saved.body.webhookUrl;
    expect(webhookUrl).toMatch(new RegExp(`^${url}/webhooks/plex/`));
    expect((await admin('/plex/config')).body.webhookUrl).toBe(webhookUrl);
  });

  it('kill -9 of the Worker\'s workerd: the Worker is restarted, Postgres keeps running', async () => {
    const r = run!;
    const before = r.state();
    const mark = r.mark();
    process.kill(workerWorkerd(before.wranglerPid!), 'SIGKILL');
    await r.waitFor(BACK, 90_000, mark);
    expect(r.since(mark)).toMatch(/the Worker stopped: workerd \(pid \d+\) exited and the Worker does not answer\. Restarting it \(restart 1, at most 3 per 60 s\); PostgreSQL keeps running\./);
    const after = r.state();
    expect(after.wranglerPid).not.toBe(before.wranglerPid);
    expect(leftoverProcesses(before.wranglerPid!)).toEqual([]);
    expect(after.postgresPid).toBe(before.postgresPid);
    expect(alive(before.postgresPid!)).toBe(true);
    expect((await adminHttp(url, token)('/plex/config')).body.webhookUrl).toBe(webhookUrl);
  });

  it('kill -9 of wrangler\'s launcher: its orphaned wrangler and workerd are stopped, a new one serves', async () => {
    const r = run!;
    const before = r.state();
    const orphans = groupMembers(before.wranglerPid!).filter((m) => m.pid !== before.wranglerPid);
    expect(orphans.map((m) => m.comm)).toContain('workerd');
    const mark = r.mark();
    process.kill(before.wranglerPid!, 'SIGKILL');
    await r.waitFor(BACK, 90_000, mark);
    expect(r.since(mark)).toMatch(/the Worker stopped: wrangler exited \(SIGKILL\)\. Restarting it \(restart 2/);
    for (const o of orphans) expect(alive(o.pid), `${o.comm} ${o.pid}`).toBe(false);
    expect(r.state().wranglerPid).not.toBe(before.wranglerPid);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('Ctrl-C (SIGINT to the process group) stops everything and leaves nothing behind', async () => {
    const r = run!;
    const s = r.state();
    process.kill(-r.pgid, 'SIGINT');
    const { code, signal } = await Promise.race([r.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`npm start did not exit; output:\n${r.output()}`)), 60_000))]);
    // npm itself dies of the SIGINT as in a terminal; it closes only once npm start's node has exited.
    expect(code === 0 || signal === 'SIGINT', `code ${code} signal ${signal}`).toBe(true);
    await waitUntil('nothing left', () => leftoverProcesses(r.pgid, s.wranglerPid!).length === 0 && !alive(s.postgresPid!), 10_000);
    expect(await portsFree()).toBe(true);
    expect(existsSync(stackStateFile(dataDir))).toBe(false);
    expect(r.output()).toMatch(/stopping…/);
    expect(r.output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('the next start is quiet about that clean stop, reuses the key, and the pasted enroll command enrolls an agent', async () => {
    const r = await start();
    const out = r.output();
    expect(out).not.toMatch(/did not shut down cleanly/);
    expect(out).toContain(`secrets key: ${path.join(dataDir, 'secrets.key')}`);
    expect(out).not.toMatch(/generated a secrets key|Admin API token/);
    const config = (await adminHttp(url, token)('/plex/config')).body;
    expect(config).toMatchObject({ webhookUrl, hasTmdbKey: true, hasPlexToken: true });

    // As a person would: the printed link, the Agents page, the copied command, a shell.
    const link = out.match(/http:\/\/127\.0\.0\.1:\d+\/sign-in#link=\S+/)![0];
    const { browser, close } = await launchBrowser();
    const home = mkdtempSync(path.join(tmpdir(), 'plexops-agent-home-'));
    try {
      const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(link);
      await page.getByTestId('principal').waitFor();
      await page.goto(`${url}/agents`);
      await page.getByRole('button', { name: 'Enroll an agent' }).click();
      await page.getByRole('button', { name: 'Create enrollment code' }).click();
      await page.getByRole('button', { name: 'Copy command' }).click();
      await page.getByText('Copied.').waitFor();
      const pasted = await page.evaluate<string>('navigator.clipboard.readText()');
      expect(pasted).toBe(await page.getByTestId('enroll-command').textContent());
      expect(pasted).toMatch(/^node \/\S+\/agent\/dist\/plexops-agent\.mjs enroll --server http:\/\/127\.0\.0\.1:\d+ --code \S+$/);
      expect(await page.getByTestId('enroll-run-command').textContent()).toBe(pasted.replace(/ enroll .*$/, ' run'));

      const shell = await promisify(execFile)('/bin/sh', ['-c', `${pasted} --name pasted-agent`], {
        env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home },
        timeout: 30_000,
      });
      expect(shell.stdout).toMatch(/enrolled as agt_/);
      expect(existsSync(path.join(home, '.config/plexops-agent/config.json'))).toBe(true);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.locator('[data-testid="agents-table"] tr', { hasText: 'pasted-agent' }).waitFor();
      await context.close();
    } finally {
      await close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a second npm start on the same data is refused and leaves the running one alone', async () => {
    const first = run!.state();
    const second = startNpmStart(dataDir, ports);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.output()).toContain(`plexops is already running (pid ${first.pid}) at ${url}`);
    expect(readStackState(dataDir)).toEqual(first);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('a real crash (kill -9 of npm start itself) is reported and cleaned up by the next start', async () => {
    const r = run!;
    const s = r.state();
    process.kill(s.pid, 'SIGKILL');
    await r.exited;
    // The children outlive it: that is what the next start must find and stop.
    expect(groupMembers(s.wranglerPid!).length).toBeGreaterThan(0);
    expect(alive(s.postgresPid!)).toBe(true);
    const next = await start({ PLEXOPS_WORKER_RESTARTS: '1/600' });
    expect(next.output()).toMatch(new RegExp(`note: the previous run \\(pid ${s.pid}\\) did not shut down cleanly; stopped its leftover wrangler \\(group ${s.wranglerPid}, .*\\) and PostgreSQL \\(pid ${s.postgresPid}\\)`));
    expect(leftoverProcesses(s.wranglerPid!)).toEqual([]);
  });

  it('restarts are bounded: past the budget npm start stops loudly and leaves nothing', async () => {
    const r = run!;
    let mark = r.mark();
    process.kill(workerWorkerd(r.state().wranglerPid!), 'SIGKILL');
    await r.waitFor(BACK, 90_000, mark);
    const s = r.state();
    mark = r.mark();
    process.kill(workerWorkerd(s.wranglerPid!), 'SIGKILL');
    const { code } = await Promise.race([r.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`npm start kept running; output:\n${r.output()}`)), 90_000))]);
    expect(code).not.toBe(0);
    expect(r.since(mark)).toMatch(/plexops stopped: the Worker stopped \(workerd .*\) and was already restarted 1 time\(s\) — at most 1 per 600 s/);
    await waitUntil('nothing left', () => leftoverProcesses(r.pgid, s.wranglerPid!).length === 0 && !alive(s.postgresPid!), 10_000);
    expect(await portsFree()).toBe(true);
    expect(readStackState(dataDir)).toBeNull();
  });

  it('PostgreSQL dying stops everything loudly (no Worker left serving without its database)', async () => {
    const r = await start();
    const s = r.state();
    process.kill(s.postgresPid!, 'SIGKILL');
    const { code } = await Promise.race([r.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`npm start kept running; output:\n${r.output()}`)), 60_000))]);
    expect(code).not.toBe(0);
    expect(r.output()).toMatch(/plexops stopped: PostgreSQL exited unexpectedly \(SIGKILL\)\. Its data is safe; start again with "npm start"\./);
    await waitUntil('nothing left', () => leftoverProcesses(r.pgid, s.wranglerPid!).length === 0, 10_000);
    expect(await portsFree()).toBe(true);
    expect(readStackState(dataDir)).toBeNull();
  });
});
