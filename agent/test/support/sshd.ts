/**
 * @module
 * A throwaway real OpenSSH server on 127.0.0.1 for tests: its own host key, an authorized client
 * key, a known_hosts file for that host key and an ssh client config (`ssh -F`) that uses them, so
 * nothing touches ~/.ssh. Stopped (and its directory removed) by `stop()`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../worker/dev/ports';
import { requirePrerequisite, SSHD_PATH } from '../../../worker/dev/prerequisites';

export interface TestSshd {
  port: number;
  user: string;
  dir: string;
  /** ssh client config for `ssh -F` (identity, known_hosts). */
  clientConfig: string;
  knownHosts: string;
  /** A client config whose known_hosts does NOT list this server. */
  clientConfigUnknownHost: string;
  stop(): Promise<void>;
}

function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('data', (d) => done(d.toString().startsWith('SSH-')));
    s.once('error', () => done(false));
  });
}

/** Generates a host key and a client key in `dir` (host_key, client_key, authorized_keys for the client). */
export async function sshKeys(dir: string): Promise<void> {
  const keygen = (path: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')), { mode: 0o600 });
}

/** sshd_config lines shared by the daemon and the inetd-mode server (keys and paths as the server sees them). */
export function sshdConfigLines(o: { hostKey: string; authorizedKeys: string }): string[] {
  return [
    `HostKey ${o.hostKey}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'LogLevel ERROR',
    '',
  ];
}

/** known_hosts for 127.0.0.1:port and the two client configs (trusting it, and not). */
export async function sshClientFiles(dir: string, port: number): Promise<Pick<TestSshd, 'clientConfig' | 'knownHosts' | 'clientConfigUnknownHost'>> {
  const hostPub = (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
  await writeFile(join(dir, 'known_hosts_empty'), '');
  const client = (kh: string) =>
    [
      'Host *',
      `  IdentityFile ${join(dir, 'client_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${kh}`,
      '  GlobalKnownHostsFile /dev/null',
      '  LogLevel ERROR',
      '',
    ].join('\n');
  const clientConfig = join(dir, 'ssh_config');
  const clientConfigUnknownHost = join(dir, 'ssh_config_unknown');
  await writeFile(clientConfig, client(knownHosts));
  await writeFile(clientConfigUnknownHost, client(join(dir, 'known_hosts_empty')));
  return { clientConfig, knownHosts, clientConfigUnknownHost };
}

export interface SshdOptions {
  /** Variables sshd sets in every session (`SetEnv`); values must not contain `"` or newlines. */
  env?: Record<string, string>;
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  // Missing OpenSSH fails the suite with the install command (not "sshd did not start").
  requirePrerequisite('sshd');
  requirePrerequisite('ssh');
  mkdirSync('/run/sshd', { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'sshd-'));
  await sshKeys(dir);
  const port = await freePort();
  const user = userInfo().username;
  await writeFile(
    join(dir, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      // One line: sshd keeps only the first SetEnv directive.
      ...(opts.env ? [`SetEnv ${Object.entries(opts.env).map(([k, v]) => `${k}="${v}"`).join(' ')}`] : []),
      ...sshdConfigLines({ hostKey: join(dir, 'host_key'), authorizedKeys: join(dir, 'authorized_keys') }),
    ].join('\n'),
  );
  const { clientConfig, knownHosts, clientConfigUnknownHost } = await sshClientFiles(dir, port);

  const proc: ChildProcess = spawn(SSHD_PATH, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 10_000;
  while (!(await banner(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`sshd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    user,
    dir,
    clientConfig,
    knownHosts,
    clientConfigUnknownHost,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
