import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayCommand, runProcess } from '../../src/executors/process';
import { kubectlArgv } from '../../src/executors/kubectl';
import { sshArgv } from '../../src/executors/ssh';
import { JobLog } from '../../src/logs/job-log';
import { Redactor } from '../../src/logs/redact';

const collect = (secrets: string[] = []) => {
  const lines: string[] = [];
  return { lines, log: new JobLog({ redactor: new Redactor(secrets), sink: { onLine: (l) => lines.push(l) } }) };
};
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('argv building (no shell anywhere)', () => {
  const cfg = { sshPath: 'ssh', targetTimeoutMs: 5000, kubectlPath: 'kubectl' };

  it('builds ssh argv with BatchMode, strict host keys and the host after --', () => {
    expect(sshArgv(cfg, { host: 'nas', user: 'root', port: 2222 }, 'strict', ['uname', '-a'])).toEqual([
      'ssh', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5',
      '-p', '2222', '-l', 'root', '--', 'nas', 'uname', '-a',
    ]);
    const a = sshArgv({ ...cfg, sshConfigFile: '/etc/x' }, { host: 'nas' }, 'accept-new', ['uname']);
    expect(a.slice(0, 3)).toEqual(['ssh', '-F', '/etc/x']);
    expect(a).toContain('StrictHostKeyChecking=accept-new');
  });

  it('builds kubectl argv with context and request timeout', () => {
    expect(kubectlArgv(cfg, 'admin@home', ['version', '-o', 'json'])).toEqual([
      'kubectl', '--context=admin@home', '--request-timeout=5s', 'version', '-o', 'json',
    ]);
    expect(kubectlArgv(cfg, undefined, ['get'])).toEqual(['kubectl', '--request-timeout=5s', 'get']);
  });

  it('displays argv quoted for copy-paste', () => {
    expect(displayCommand(['echo', 'a b', "it's", '$(id)'])).toBe(`echo 'a b' 'it'\\''s' '$(id)'`);
  });

  it('passes shell metacharacters through literally', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'argv-'));
    const marker = join(dir, 'pwned');
    const { lines, log } = collect();
    const r = await runProcess({ argv: ['printf', '%s\\n', `$(touch ${marker}); touch ${marker}`], env, log, graceMs: 100 });
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(lines).toContain(`$(touch ${marker}); touch ${marker}`);
  });

  it('dry run prints and runs nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dry-'));
    const { lines, log } = collect();
    const r = await runProcess({ argv: ['touch', join(dir, 'x')], env, log, graceMs: 100, dryRun: true });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(lines).toEqual([`$ touch ${join(dir, 'x')}`]);
  });
});

describe('child processes', () => {
  it('streams stdout and stderr line by line, redacted', async () => {
    const { lines, log } = collect(['hunter2-hunter2']);
    const script = "process.stdout.write('a\\nb'); setTimeout(() => { process.stdout.write('c hunter2-'); process.stderr.write('err\\n'); process.stdout.write('hunter2\\n') }, 50)";
    const r = await runProcess({ argv: [process.execPath, '-e', script], env, log, graceMs: 100 });
    expect(r.code).toBe(0);
    expect(lines.slice(1).sort()).toEqual(['a', 'bc [REDACTED]', 'err'].sort());
  });

  it('reports a missing binary clearly', async () => {
    const { log } = collect();
    const r = await runProcess({ argv: ['/nonexistent/bin/tool'], env, log, graceMs: 100 });
    expect(r.spawnError).toMatch(/command not found/);
  });

  it('cancel: SIGTERM to the whole process group, then SIGKILL after the grace period', async () => {
    const { lines, log } = collect();
    const ctl = new AbortController();
    // The child ignores SIGTERM and has a grandchild in its group.
    const script = [
      "const { spawn } = require('node:child_process');",
      // The handler is in place before the line the test waits for is printed.
      "process.on('SIGTERM', () => console.log('got SIGTERM, ignoring'));",
      "const g = spawn('sleep', ['30'], { stdio: 'ignore' });",
      "console.log('grandchild ' + g.pid);",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    let grandchild = 0;
    const done = runProcess({ argv: [process.execPath, '-e', script], env, log, graceMs: 300, signal: ctl.signal });
    await expect.poll(() => lines.find((l) => l.startsWith('grandchild')), { timeout: 10_000 }).toBeTruthy();
    grandchild = Number(lines.find((l) => l.startsWith('grandchild'))?.split(' ')[1]);
    ctl.abort();
    const r = await done;
    expect(r.cancelled).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(lines).toContain('got SIGTERM, ignoring');
    await expect.poll(() => alive(grandchild), { timeout: 5000 }).toBe(false);
  });

  it('a well-behaved child exits on SIGTERM without needing SIGKILL', async () => {
    const { log } = collect();
    const ctl = new AbortController();
    let pid = 0;
    const done = runProcess({ argv: ['sleep', '30'], env, log, graceMs: 20_000, signal: ctl.signal, onSpawn: (p) => (pid = p) });
    await expect.poll(() => pid).toBeGreaterThan(0);
    ctl.abort();
    const r = await done;
    expect(r).toMatchObject({ cancelled: true, signal: 'SIGTERM' });
  });
});
