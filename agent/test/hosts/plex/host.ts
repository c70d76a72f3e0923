/**
 * @module plex-host/host
 * A Plex source "VM" for migration tests: a sandbox (support/sandbox.ts — own root filesystem, PID, network and
 * hostname) laid out as an Ubuntu machine with the Plex package installed, reached over a REAL OpenSSH server on
 * 127.0.0.1:<port>. The job sees the real default paths:
 *   /var/lib/plexmediaserver/Library/Application Support/Plex Media Server  (the fixture, a bind mount)
 *   /usr/lib/plexmediaserver/{Plex Media Server,Plex SQLite}              (install.ts)
 *   /usr/lib/systemd/system/plexmediaserver.service (+ optional drop-in with PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR)
 *   /usr/bin/systemctl (stand-in, systemctl.py), dpkg's status DB listing plexmediaserver (real dpkg-query)
 *   /mnt/nas-plex, /mnt/nas-plex-optimized (the media, bind mounts)
 * and, while the service is active, a "Plex Media Server" process (pidof finds it) serving /identity on the
 * sandbox's own 127.0.0.1:32400. The host's /usr, /etc and /var sit read-only under a copy-on-write overlay, so
 * nothing a job does on the "VM" can touch this machine.
 *
 * SSH: a Node listener on 127.0.0.1 accepts each connection and hands the socket to `sshd -i` (inetd mode, as
 * Debian's ssh.socket runs it) started INSIDE the sandbox, so sessions run in the VM's namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../../support/sandbox.js';
import { sshClientFiles, sshKeys, sshdConfigLines, type TestSshd } from '../../support/sshd.js';
import { buildPlexFixture, DEFAULT_APP_SUPPORT, type PlexFixture, type PlexFixtureOptions } from './fixture.js';
import { INSTALL_DIR, plexInstallLayer } from './install.js';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVICE = 'plexmediaserver';

export interface PlexHostOptions extends Omit<PlexFixtureOptions, 'dir'> {
  /** Start the service (default true: a running Plex, as the job finds it). */
  active?: boolean;
  /** Service enabled at boot (default true). */
  enabled?: boolean;
  /** Ship "Plex SQLite" (default true). */
  plexSqlite?: boolean;
  hostname?: string;
  /**
   * Reuse SSH keys from an existing directory (host_key, client_key, authorized_keys — e.g. a TestSshd's dir),
   * so one ssh client config reaches both servers (append `knownHostsLine` to its known_hosts).
   */
  sshKeysFrom?: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PlexHost {
  /** SSH to the VM (user root), usable wherever a TestSshd is. */
  sshd: TestSshd;
  fixture: PlexFixture;
  sandbox: Sandbox;
  /** The known_hosts line for this server (`[127.0.0.1]:port key`). */
  knownHostsLine: string;
  /** Runs a shell script inside the VM as root (test setup and checks; jobs go through ssh). */
  exec(script: string, opts?: { stdin?: string | Buffer }): Promise<ExecResult>;
  stop(): Promise<void>;
}

const unitFile = () =>
  [
    '[Unit]',
    'Description=Plex Media Server',
    'After=network.target network-online.target',
    '',
    '[Service]',
    `Environment="PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR=${DEFAULT_APP_SUPPORT}"`,
    `Environment=PLEX_MEDIA_SERVER_HOME=${INSTALL_DIR}`,
    'Environment=PLEX_MEDIA_SERVER_MAX_PLUGIN_PROCS=6',
    `ExecStart="${INSTALL_DIR}/Plex Media Server"`,
    'Type=simple',
    'User=plex',
    'Group=plex',
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');

const dpkgStanza = (version: string) =>
  [
    'Package: plexmediaserver',
    'Status: install ok installed',
    'Priority: optional',
    'Section: video',
    'Installed-Size: 512000',
    'Maintainer: Plex Inc <support@plex.tv>',
    'Architecture: amd64',
    `Version: ${version}`,
    'Description: Plex organizes all of your personal media so you can easily access and enjoy it.',
    '',
  ].join('\n');

/** The VM's own files: the Plex install, service unit, systemctl, users, dpkg entry, sshd config and keys. */
async function buildLayer(layer: string, fx: PlexFixture, o: PlexHostOptions, sshDir: string): Promise<void> {
  await plexInstallLayer(layer, { version: fx.version, plexSqlite: o.plexSqlite !== false });
  const put = (rel: string, content: string | Buffer, mode = 0o644) => {
    const p = join(layer, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
    return p;
  };
  copyFileSync(join(here, 'systemctl.py'), put('usr/bin/systemctl', ''));
  chmodSync(join(layer, 'usr/bin/systemctl'), 0o755);
  const unit = put(`usr/lib/systemd/system/${SERVICE}.service`, unitFile());
  if (o.enabled !== false) {
    mkdirSync(join(layer, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
    symlinkSync(`/usr/lib/systemd/system/${SERVICE}.service`, join(layer, `etc/systemd/system/multi-user.target.wants/${SERVICE}.service`));
  }
  void unit;
  if (fx.appSupportDir !== DEFAULT_APP_SUPPORT) {
    put(`etc/systemd/system/${SERVICE}.service.d/override.conf`, `[Service]\nEnvironment="PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR=${fx.appSupportDir}"\n`);
  }
  put('etc/passwd', `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\nplex:x:${fx.plexUid}:${fx.plexGid}::/var/lib/plexmediaserver:/usr/sbin/nologin\n`);
  put('etc/group', `${readFileSync('/etc/group', 'utf8').trimEnd()}\nplex:x:${fx.plexGid}:\n`);
  put('etc/hostname', `${o.hostname ?? 'plex-vm'}\n`);
  const status = existsSync('/var/lib/dpkg/status') ? readFileSync('/var/lib/dpkg/status', 'utf8') : '';
  put('var/lib/dpkg/status', `${status.trimEnd()}\n\n${dpkgStanza(fx.version)}`);
  const home = join(layer, 'var/lib/plexmediaserver/Library');
  mkdirSync(home, { recursive: true });
  chownSync(join(layer, 'var/lib/plexmediaserver'), fx.plexUid, fx.plexGid);
  chownSync(home, fx.plexUid, fx.plexGid);
  put('etc/ssh/plexhost/host_key', readFileSync(join(sshDir, 'host_key')), 0o600);
  put('etc/ssh/plexhost/authorized_keys', readFileSync(join(sshDir, 'authorized_keys')), 0o600);
  put('etc/ssh/plexhost/sshd_config', sshdConfigLines({ hostKey: '/etc/ssh/plexhost/host_key', authorizedKeys: '/etc/ssh/plexhost/authorized_keys' }).join('\n'));
}

export async function startPlexHost(o: PlexHostOptions = {}): Promise<PlexHost> {
  if (!process.execPath.startsWith('/usr/')) throw new Error(`node must live under /usr for the Plex host sandbox (is ${process.execPath})`);
  const dir = await mkdtemp(join(tmpdir(), 'plex-host-'));
  const children = new Set<ChildProcess>();
  let server: Server | undefined;
  let sandbox: Sandbox | undefined;
  const stop = async () => {
    server?.close();
    for (const c of children) c.kill('SIGKILL');
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const fixture = buildPlexFixture({ ...o, dir: join(dir, 'disk') });
    const sshDir = join(dir, 'ssh');
    mkdirSync(sshDir);
    if (o.sshKeysFrom) for (const f of ['host_key', 'host_key.pub', 'client_key', 'client_key.pub', 'authorized_keys']) copyFileSync(join(o.sshKeysFrom, f), join(sshDir, f));
    else await sshKeys(sshDir);
    const layer = join(dir, 'layer');
    await buildLayer(layer, fixture, o, sshDir);
    sandbox = await startSandbox({
      dir: join(dir, 'sandbox'),
      layers: [layer],
      hostDirs: ['usr', 'etc', 'var'],
      hostname: o.hostname ?? 'plex-vm',
      mounts: [
        { source: fixture.appSupportHostDir, target: fixture.appSupportDir },
        { source: fixture.mediaHostDir, target: fixture.mediaRoot },
        { source: fixture.optimizedHostDir, target: fixture.optimizedRoot },
      ],
    });
    const sb = sandbox;
    const exec = (script: string, opts: { stdin?: string | Buffer } = {}) =>
      new Promise<ExecResult>((resolve) => {
        const enter = sb.enter();
        const child = spawn(enter[0]!, [...enter.slice(1), '/bin/sh', '-c', script], {
          env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
        child.stdin.end(opts.stdin ?? '');
      });
    const setup = await exec('mkdir -p /run/sshd && chmod 755 /run/sshd && mkdir -p /root/.ssh && chmod 700 /root/.ssh');
    if (setup.code !== 0) throw new Error(`plex host setup: ${setup.stderr}`);
    if (o.active !== false) {
      const started = await exec(`systemctl start ${SERVICE} && for i in $(seq 1 200); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:32400/identity', timeout=1)" 2>/dev/null && exit 0; sleep 0.05; done; echo "no /identity" >&2; cat /var/log/${SERVICE}.service.log >&2; exit 1`);
      if (started.code !== 0) throw new Error(`Plex did not start in the host sandbox: ${started.stderr}`);
    }

    server = createServer({ pauseOnConnect: true }, (sock: Socket) => {
      const enter = sb.enter();
      const child = spawn(enter[0]!, [...enter.slice(1), '/usr/sbin/sshd', '-i', '-e', '-f', '/etc/ssh/plexhost/sshd_config'], { stdio: [sock, sock, 'pipe'] });
      children.add(child);
      child.stderr?.on('data', (d: Buffer) => process.env.PLEX_HOST_DEBUG && process.stderr.write(d));
      child.on('close', () => {
        children.delete(child);
        sock.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const client = await sshClientFiles(sshDir, port);
    return {
      sshd: { port, user: 'root', dir: sshDir, ...client, stop },
      knownHostsLine: readFileSync(client.knownHosts, 'utf8').trim(),
      fixture,
      sandbox: sb,
      exec,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
