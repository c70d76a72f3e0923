/**
 * @module docker-host
 * The Overseerr docker host for job tests: a REAL OpenSSH server on 127.0.0.1 whose sessions find
 * a stand-in `docker` CLI (cli.ts) first on PATH, plus the real `litestream` (v0.3.13 from npm)
 * and the system's sqlite3/tar/sha256sum. It starts seeded as a docker-compose install looks:
 * a volume `overseerr_config` (or a bind-mounted host path) holding a real Overseerr config dir
 * (sims/overseerr/fixture.ts), a container `overseerr` (image sctx/overseerr:1.33.2, /app/config
 * mount, 127.0.0.1:<port>→5055/tcp, compose labels) running the Overseerr stand-in as a real
 * process, and the compose file the labels point at (with a second service, so a cleanup removes
 * one entry, not the file). `stop()` kills container processes, sshd, whatever its sessions left
 * running detached, and the directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../../worker/dev/ports';
import { createOverseerrConfig, type OverseerrFixture, type OverseerrFixtureOptions } from '../../sims/overseerr/fixture';
import { bundleScript } from '../../support/bundle-script';
import { standInImages } from '../../support/images';
import { LITESTREAM_BIN } from '../../support/litestream';
import { startSshd, type TestSshd } from '../../support/sshd';
import { type Container, DockerState } from './state';

export interface DockerHostOptions {
  fixture?: OverseerrFixtureOptions;
  /** Where /app/config comes from: a docker volume (default) or a bind-mounted host path. */
  configSource?: 'volume' | 'bind';
  /** Start the container (default true). */
  running?: boolean;
  image?: string;
  containerName?: string;
  volumeName?: string;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DockerHost {
  sshd: TestSshd;
  /** `user@127.0.0.1` with `-p port -F clientConfig`. */
  sshTarget: string;
  stateDir: string;
  binDir: string;
  composeFile: string;
  containerName: string;
  volumeName: string;
  /** The host path holding Overseerr's config (volume Mountpoint or bind source). */
  configDir: string;
  fixture: OverseerrFixture;
  overseerrPort: number;
  overseerrUrl: string;
  /** Runs a command on the host over the real ssh client. */
  ssh(command: string, timeoutMs?: number): Promise<CommandResult>;
  /** Runs the docker stand-in directly (no ssh), for test setup and assertions. */
  docker(...args: string[]): Promise<CommandResult>;
  container(name?: string): Container | undefined;
  setDaemonDown(down: boolean): void;
  stop(): Promise<void>;
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function composeYaml(image: string, name: string, volume: string, port: number, bindSource: string | undefined): string {
  return `# media stack (docker compose) on the docker host
services:
  overseerr:
    image: ${image}
    container_name: ${name}
    environment:
      - TZ=Europe/Berlin
      - LOG_LEVEL=info
    ports:
      - 127.0.0.1:${port}:5055
    volumes:
      - ${bindSource ?? volume}:/app/config
    restart: unless-stopped
  tautulli:
    image: ghcr.io/tautulli/tautulli:v2.14.6
    container_name: tautulli
    volumes:
      - tautulli_config:/config
    restart: unless-stopped
volumes:
${bindSource ? '' : `  ${volume}:\n    name: ${volume}\n`}  tautulli_config:
`;
}

export async function startDockerHost(opts: DockerHostOptions = {}): Promise<DockerHost> {
  const dir = await mkdtemp(join(tmpdir(), 'docker-host-'));
  const stateDir = join(dir, 'var-lib-docker');
  const binDir = join(dir, 'bin');
  await mkdir(stateDir, { recursive: true });
  await mkdir(binDir, { recursive: true });
  const [cliBundle, images] = await Promise.all([bundleScript(here('./cli.ts')), standInImages()]);
  await writeFile(join(binDir, 'docker'), `#!/bin/sh\nexec "${process.execPath}" "${cliBundle}" "$@"\n`, { mode: 0o755 });
  await symlink(LITESTREAM_BIN, join(binDir, 'litestream'));

  const state = new DockerState(stateDir);
  state.saveDaemon({
    serverVersion: '27.3.1',
    images,
  });
  const name = opts.containerName ?? 'overseerr';
  const volumeName = opts.volumeName ?? 'overseerr_config';
  const image = opts.image ?? 'sctx/overseerr:1.33.2';
  const bind = opts.configSource === 'bind';
  const configDir = bind ? join(dir, 'srv', 'overseerr', 'config') : state.createVolume(volumeName).Mountpoint;
  const fixture = await createOverseerrConfig(configDir, opts.fixture);
  const overseerrPort = await freePort();
  const composeDir = join(dir, 'srv', 'media');
  await mkdir(composeDir, { recursive: true });
  const composeFile = join(composeDir, 'docker-compose.yml');
  await writeFile(composeFile, composeYaml(image, name, volumeName, overseerrPort, bind ? configDir : undefined));
  const now = new Date().toISOString();
  state.saveContainer({
    Id: Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + name.length * 11) % 256)).toString('hex'),
    Created: now,
    Path: '/sbin/tini',
    Args: ['--', 'yarn', 'start'],
    State: { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
    Image: 'sha256:5b0d6ba8e7c3f6d2a1b4c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8',
    Name: `/${name}`,
    RestartCount: 0,
    LogPath: join(stateDir, `${name}-json.log`),
    HostConfig: { Binds: bind ? [`${configDir}:/app/config:rw`] : null, PortBindings: { '5055/tcp': [{ HostIp: '127.0.0.1', HostPort: String(overseerrPort) }] }, RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
    Mounts: [bind
      ? { Type: 'bind', Source: configDir, Destination: '/app/config', Mode: 'rw', RW: true, Propagation: 'rprivate' }
      : { Type: 'volume', Name: volumeName, Source: configDir, Destination: '/app/config', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }],
    Config: {
      Hostname: name,
      Image: image,
      Env: ['TZ=Europe/Berlin', 'LOG_LEVEL=info', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_VERSION=20.18.1', 'YARN_VERSION=1.22.22'],
      Cmd: ['yarn', 'start'],
      WorkingDir: '/app',
      ExposedPorts: { '5055/tcp': {} },
      Labels: {
        'com.docker.compose.project': 'media',
        'com.docker.compose.service': 'overseerr',
        'com.docker.compose.project.config_files': composeFile,
        'com.docker.compose.project.working_dir': composeDir,
        'com.docker.compose.version': '2.29.7',
        'org.opencontainers.image.title': 'Overseerr',
      },
    },
    NetworkSettings: { Ports: {} },
  });

  // The host's own HOME: sessions never read this machine's ~/.bashrc (slow) nor write to its home.
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  const sshd = await startSshd({ env: { PATH: `${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: home, DOCKER_SIM_STATE: stateDir } });
  const localEnv = { PATH: `${binDir}:${process.env.PATH ?? ''}`, DOCKER_SIM_STATE: stateDir };
  const docker = (...args: string[]): Promise<CommandResult> => run(join(binDir, 'docker'), args, localEnv, 30_000);
  const host: DockerHost = {
    sshd,
    sshTarget: `${sshd.user}@127.0.0.1`,
    stateDir,
    binDir,
    composeFile,
    containerName: name,
    volumeName,
    configDir,
    fixture,
    overseerrPort,
    overseerrUrl: `http://127.0.0.1:${overseerrPort}`,
    ssh: (command, timeoutMs = 30_000) =>
      run('ssh', ['-F', sshd.clientConfig, '-p', String(sshd.port), '-o', 'BatchMode=yes', `${sshd.user}@127.0.0.1`, command], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs),
    docker,
    container: (n = name) => state.container(n),
    setDaemonDown(down) {
      state.saveDaemon({ ...state.daemon(), down });
    },
    async stop() {
      state.saveDaemon({ ...state.daemon(), down: false });
      for (const c of state.containers()) if (c.State.Running) await docker('stop', '-t', '2', c.Name.slice(1));
      await sshd.stop();
      await killSessionLeftovers(stateDir);
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (opts.running !== false) {
    const started = await docker('start', name);
    if (started.code !== 0) throw new Error(`docker host: could not start ${name}: ${started.stderr}`);
    await waitForHttp(`${host.overseerrUrl}/api/v1/status`, 15_000);
  }
  return host;
}

/**
 * Kills what this host's ssh sessions left running detached (e.g. a job's Litestream live seed,
 * started with setsid): every process whose environment carries this host's DOCKER_SIM_STATE,
 * which sshd sets in its sessions only. By pid, one by one.
 */
async function killSessionLeftovers(stateDir: string): Promise<void> {
  const marker = `DOCKER_SIM_STATE=${stateDir}`;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const env = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (!env.split('\0').includes(marker)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Resolves once `url` answers 200 (the stand-in is listening); throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
