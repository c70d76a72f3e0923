import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DockerHost, startDockerHost, waitForHttp } from './index';

const json = (s: string): Array<Record<string, unknown>> => JSON.parse(s) as Array<Record<string, unknown>>;

describe('docker host (real sshd + docker stand-in)', () => {
  let host: DockerHost;
  beforeAll(async () => {
    host = await startDockerHost({ fixture: { users: 3, requests: 6, walRequests: 2 } });
  });
  afterAll(() => host.stop());

  it('docker inspect over ssh: the container, its /app/config mount, state and image', async () => {
    const r = await host.ssh('docker inspect overseerr');
    expect(r.code).toBe(0);
    const [c] = json(r.stdout);
    expect(c).toMatchObject({ Name: '/overseerr', State: { Status: 'running', Running: true }, Config: { Image: 'sctx/overseerr:1.33.2' } });
    expect(c?.Mounts).toEqual([{ Type: 'volume', Name: 'overseerr_config', Source: host.configDir, Destination: '/app/config', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
    expect((c?.Config as { Labels: Record<string, string> }).Labels['com.docker.compose.project.config_files']).toBe(host.composeFile);
    expect(c).not.toHaveProperty('SimPidStart');
    const fmt = await host.ssh(`docker inspect -f '{{range .Mounts}}{{.Destination}}={{.Source}} {{end}}{{.State.Running}}' overseerr`);
    expect(fmt.stdout.trim()).toBe(`/app/config=${host.configDir} true`);
    expect(JSON.parse((await host.ssh("docker inspect --format '{{json .Mounts}}' overseerr")).stdout)).toHaveLength(1);
  });

  it('docker volume inspect gives the Mountpoint; unknown names fail with Docker text and exit 1', async () => {
    const v = await host.ssh('docker volume inspect overseerr_config');
    expect(json(v.stdout)[0]).toMatchObject({ Name: 'overseerr_config', Driver: 'local', Mountpoint: host.configDir, Scope: 'local' });
    const none = await host.ssh('docker inspect nope');
    expect([none.code, none.stdout.trim(), none.stderr.trim()]).toEqual([1, '[]', 'Error: No such object: nope']);
    const typed = await host.ssh('docker inspect --type container nope');
    expect(typed.stderr.trim()).toBe('Error: No such container: nope');
    const vol = await host.ssh('docker volume inspect nope');
    expect([vol.code, vol.stderr.trim()]).toEqual([1, 'Error response from daemon: get nope: no such volume']);
    const stop = await host.ssh('docker stop nope');
    expect([stop.code, stop.stderr.trim()]).toEqual([1, 'Error response from daemon: No such container: nope']);
    const bad = await host.ssh('docker frobnicate');
    expect([bad.code, bad.stderr]).toEqual([1, "docker: 'frobnicate' is not a docker command.\nSee 'docker --help'\n"]);
  });

  it('the running container is a real Overseerr stand-in over the volume; stop kills it and leaves the WAL', async () => {
    const status = (await (await fetch(`${host.overseerrUrl}/api/v1/status`)).json()) as { version: string };
    expect(status.version).toBe('1.33.2');
    expect(await (await fetch(`${host.overseerrUrl}/api/v1/status/appdata`)).json()).toEqual({ appData: true, appDataPath: host.configDir });
    const users = (await (await fetch(`${host.overseerrUrl}/api/v1/request`, { headers: { 'X-Api-Key': host.fixture.apiKey } })).json()) as { pageInfo: { results: number } };
    expect(users.pageInfo.results).toBe(6);
    const pid = host.container()?.State.Pid ?? 0;
    expect(pid).toBeGreaterThan(0);

    const stopped = await host.ssh('docker stop overseerr');
    expect([stopped.code, stopped.stdout.trim()]).toEqual([0, 'overseerr']);
    expect(host.container()?.State).toMatchObject({ Running: false, Status: 'exited', ExitCode: 0, Pid: 0 });
    await expect(fetch(`${host.overseerrUrl}/api/v1/status`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    expect((await stat(`${host.fixture.dbPath}-wal`)).size).toBeGreaterThan(0);
    expect((await host.ssh('docker stop overseerr')).code).toBe(0);
    expect((await host.ssh("docker ps --format '{{.Names}}'")).stdout.trim()).toBe('');
    expect((await host.ssh("docker ps -a --format '{{.Names}} {{.State}}'")).stdout.trim()).toBe('overseerr exited');

    const started = await host.ssh('docker start overseerr');
    expect([started.code, started.stdout.trim()]).toEqual([0, 'overseerr']);
    await waitForHttp(`${host.overseerrUrl}/api/v1/status`, 10_000);
    expect((await host.ssh('docker ps')).stdout).toMatch(/sctx\/overseerr:1\.33\.2 .* Up .*127\.0\.0\.1:\d+->5055\/tcp\s+overseerr$/m);
    expect((await host.ssh('docker logs overseerr')).stdout).toContain('Server ready on port');
  });

  it('rm refuses a running container; compose lists the services; a down daemon fails every command', async () => {
    const rm = await host.ssh('docker rm overseerr');
    expect([rm.code, rm.stderr.trim()]).toEqual([1, 'Error response from daemon: cannot remove container "/overseerr": container is running: stop the container before removing or force remove']);
    const services = await host.ssh(`docker compose -f ${host.composeFile} config --services`);
    expect(services.stdout.trim().split('\n')).toEqual(['overseerr', 'tautulli']);
    expect(await readFile(host.composeFile, 'utf8')).toContain('overseerr_config:/app/config');
    host.setDaemonDown(true);
    try {
      const down = await host.ssh('docker inspect overseerr');
      expect([down.code, down.stderr.trim()]).toEqual([1, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?']);
    } finally {
      host.setDaemonDown(false);
    }
    expect((await host.ssh("docker version --format '{{.Server.Version}}'")).stdout.trim()).toBe('27.3.1');
  });

  it('the host has the real litestream, sqlite3 and coreutils on PATH', async () => {
    expect((await host.ssh('litestream version')).stdout.trim()).toBe('v0.3.13');
    const check = await host.ssh(`sqlite3 -readonly ${host.fixture.dbPath} 'PRAGMA integrity_check'`);
    expect(check.stdout.trim()).toBe('ok');
    expect((await host.ssh(`sha256sum ${host.fixture.settingsPath}`)).stdout).toMatch(/^[0-9a-f]{64} /);
  });
});

describe('docker host with a bind-mounted config and a stopped container', () => {
  let host: DockerHost;
  beforeAll(async () => {
    host = await startDockerHost({ configSource: 'bind', running: false });
  });
  afterAll(() => host.stop());

  it('inspect shows a bind mount; rm works once stopped', async () => {
    const [c] = json((await host.ssh('docker inspect overseerr')).stdout);
    expect(c?.Mounts).toEqual([{ Type: 'bind', Source: host.configDir, Destination: '/app/config', Mode: 'rw', RW: true, Propagation: 'rprivate' }]);
    expect((c?.State as { Status: string }).Status).toBe('created');
    const rm = await host.ssh('docker rm overseerr');
    expect([rm.code, rm.stdout.trim()]).toEqual([0, 'overseerr']);
    expect((await host.ssh('docker inspect overseerr')).code).toBe(1);
  });
});
