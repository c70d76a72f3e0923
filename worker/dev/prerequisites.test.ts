/**
 * The prerequisites check `npm test` and `.ci/run` start with: the real CLI, run with a
 * Chromium that is not there. As root with apt it would install; `--check` and a normal user
 * only get the one command to run, and exit 1 before anything else runs.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { aptInstallCommand, missingMessage, nodeVersionProblem, PREREQUISITES } from './prerequisites';
import { ROOT } from './stack-paths';

const isRoot = process.getuid?.() === 0;

function cli(args: string[], env: Record<string, string>, asNobody = false) {
  const cmd = [process.execPath, '--import', 'tsx', path.join(ROOT, 'worker/dev/prerequisites-cli.ts'), ...args];
  const argv = asNobody && isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...cmd] : cmd;
  return spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('npm run prerequisites', () => {
  it('all present: says so and exits 0', () => {
    const r = cli(['--check'], {});
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Chromium, OpenSSH, sqlite3 and kubectl are installed/);
    expect(r.status).toBe(0);
  });

  it('something missing and no permission to install: stops with the one command, nothing run', () => {
    const r = cli([], { CHROMIUM_PATH: '/nonexistent/chromium', HOME: '/tmp' }, true);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Chromium: the admin's browser tests (admin/test)");
    expect(r.stderr).toMatch(/Install them with:\n\n {2}sudo apt-get install -y chromium\n/);
    expect(r.stderr).toContain('No test was run.');
    expect(r.stdout).not.toMatch(/installing/);
  });

  it('--check never installs, even as root', () => {
    const r = cli(['--check'], { CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Install them with:\\n\\n {2}${isRoot ? '' : 'sudo '}apt-get install -y chromium\\n`));
  });
});

describe('prerequisite messages', () => {
  it('one apt command for all packages; kubectl (not in Debian 12) gets its own install line', () => {
    expect(aptInstallCommand(PREREQUISITES, false)).toBe('sudo apt-get install -y chromium openssh-server openssh-client sqlite3 python3');
    expect(aptInstallCommand(PREREQUISITES.filter((p) => p.id === 'kubectl'), true)).toBeNull();
    const kubectl = PREREQUISITES.find((p) => p.id === 'kubectl')!;
    expect(missingMessage(kubectl)).toMatch(/^kubectl is not installed; the agent's kubectl steps.*need it\. .*curl -fsSLo \/usr\/bin\/kubectl https:\/\/dl\.k8s\.io\/release\/v1\.32\.0\//);
  });

  it('Node versions follow package.json engines', () => {
    for (const ok of ['20.19.0', '20.20.1', '22.12.0', '24.1.0']) expect(nodeVersionProblem(ok), ok).toBeNull();
    for (const bad of ['18.20.0', '20.18.3', '21.7.0', '22.11.0']) expect(nodeVersionProblem(bad), bad).toMatch(/needs Node 20\.19\+ or 22\.12\+/);
  });
});
