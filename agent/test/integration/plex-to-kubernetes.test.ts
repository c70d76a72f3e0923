/**
 * `plexops-agent exec` of plex-to-kubernetes and its rollback with real parts: the bundled CLI, a real OpenSSH
 * server into the Plex source host sandbox (hosts/plex), the real kubectl against the kube simulator running the
 * pms-docker stand-in (which minted a new identity on its empty PVC, as a fresh chart install does).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '../sims/kube/index';
import { kubectlRunner, type KubectlRunner } from '../sims/kube/kubectl-runner';
import { startPlexHost, type PlexHost } from '../hosts/plex/host';
import { chartFullname, pmsChartManifests, pmsDockerImages } from '../hosts/plex/pms-docker';
import { plexTarget } from '../hosts/plex/target';
import { killAll, runAgent } from '../support/agent-bin';

const STS = chartFullname('plex');

describe('exec plex-to-kubernetes (real ssh, kubectl, pms-docker stand-in)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plex-move-'));
  let host: PlexHost;
  let kube: KubeSim;
  let k: KubectlRunner;
  let env: Record<string, string>;
  const job = (kind: string, params: unknown) => {
    const p = join(dir, `${kind}-${Date.now()}.json`);
    writeFileSync(p, JSON.stringify({ kind, params }));
    return p;
  };
  const source = () => ({ host: '127.0.0.1', port: host.sshd.port, user: 'root' });
  /** /identity in the Plex pod (a Ready pod without a probe may not answer yet, as on a cluster). */
  const identity = async () => {
    for (let i = 0; i < 100; i++) {
      const id = (await k.run(['-n', 'media', 'exec', `${STS}-0`, '--', 'curl', '-s', 'http://127.0.0.1:32400/identity'])).stdout.match(/machineIdentifier="([0-9a-f]+)"/)?.[1];
      if (id) return id;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  };

  beforeAll(async () => {
    [host, kube] = await Promise.all([
      startPlexHost({ sizeBytes: 4 << 20 }),
      startKubeSim({ namespaces: ['media'], podReadyDelayMs: 20, probeIntervalMs: 100, images: pmsDockerImages(join(dir, 'images')) }),
    ]);
    k = kubectlRunner(kube);
    await plexTarget(kube, host.fixture);
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: ['root'] }], kube: [{ context: 'sim', namespaces: ['media'] }], nomad: [] }));
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig, PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '20000', ...kube.env };
  }, 180_000);
  afterAll(async () => {
    killAll();
    k?.killAll();
    await Promise.all([host?.stop(), kube?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const moveParams = (overwrite: 'refuse' | 'move-aside') => ({
    source: source(),
    target: { context: 'sim', namespace: 'media' },
    pathMap: [{ from: '/mnt/nas-plex', to: '/media/library' }, { from: '/mnt/nas-plex-optimized', to: '/media/optimized' }],
    overwrite,
  });

  it('refuses a target PVC that already holds a Library before touching anything', async () => {
    const minted = await identity();
    expect(minted).toMatch(/^[0-9a-f]{40}$/);
    expect(minted).not.toBe(host.fixture.processedMachineIdentifier);
    const r = await runAgent(['exec', job('plex-to-kubernetes', moveParams('refuse')), '--yes'], env, 120_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('already holds a Library (overwrite policy: refuse); nothing was changed');
    expect((await host.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
  }, 150_000);

  it('moves Plex: same identity and version in the pod, every record, watch history and media path verified', async () => {
    const r = await runAgent(['exec', job('plex-to-kubernetes', moveParams('move-aside')), '--yes'], env, 600_000);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(r.stdout).toContain(`answers /identity as ${host.fixture.processedMachineIdentifier}, Plex ${host.fixture.version}: same server`);
    expect(r.stdout).toMatch(/verified: integrity ok; metadata_items \d+/);
    expect(r.stdout).toContain('library "Movies": /mnt/nas-plex/Movies → /media/library/Movies');
    expect(r.stdout).toContain('the existing Library on the PVC was moved to /config/Library.plexops-old-');
    expect(await identity()).toBe(host.fixture.processedMachineIdentifier);
    const src = await host.exec('systemctl is-active plexmediaserver; systemctl is-enabled plexmediaserver; pidof "Plex Media Server" || echo none');
    expect(src.stdout).toBe('inactive\ndisabled\nnone\n');
    expect(r.stdout).not.toContain(host.fixture.token);
  }, 650_000);

  it('rolls back: the target stops, the source is back with its identity', async () => {
    const r = await runAgent(['exec', job('plex-to-kubernetes-rollback', { source: source(), target: { context: 'sim', namespace: 'media' }, machineIdentifier: host.fixture.processedMachineIdentifier }), '--yes'], env, 300_000);
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(r.stdout).toContain(`Plex on 127.0.0.1 is back as ${host.fixture.processedMachineIdentifier}`);
    expect(kube.store.statefulsets.get('media', STS)!.spec.replicas).toBe(0);
    expect(kube.store.pods.get('media', `${STS}-0`)).toBeUndefined();
  }, 350_000);
});

describe('exec plex-to-kubernetes when the source lacks Plex SQLite, and --dry-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plex-move-nosqlite-'));
  let host: PlexHost;
  let kube: KubeSim;
  let env: Record<string, string>;
  const jobFile = (params: unknown) => {
    const p = join(dir, `job-${Date.now()}.json`);
    writeFileSync(p, JSON.stringify({ kind: 'plex-to-kubernetes', params }));
    return p;
  };

  beforeAll(async () => {
    [host, kube] = await Promise.all([
      startPlexHost({ sizeBytes: 1 << 20, plexSqlite: false }),
      startKubeSim({ namespaces: ['media'], podReadyDelayMs: 20, images: pmsDockerImages(join(dir, 'images')) }),
    ]);
    const k = kubectlRunner(kube);
    const r = await k.run(['apply', '-f', '-'], { stdin: pmsChartManifests({ namespace: 'media', tag: host.fixture.version }).map((o) => JSON.stringify(o)).join('\n---\n') });
    k.killAll();
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: ['root'] }], kube: [{ context: 'sim', namespaces: ['media'] }], nomad: [] }));
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig, PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '20000', ...kube.env };
  }, 180_000);
  afterAll(async () => {
    killAll();
    await Promise.all([host?.stop(), kube?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const params = () => ({ source: { host: '127.0.0.1', port: host.sshd.port, user: 'root' }, target: { context: 'sim', namespace: 'media', statefulSet: STS }, overwrite: 'move-aside' });

  it('stops at the integrity step with a clear message, before the source or target is touched', async () => {
    const requests = kube.requests.length;
    const r = await runAgent(['exec', jobFile(params()), '--yes'], env, 180_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Plex SQLite is missing on the source');
    expect(r.stdout).toContain("Stock sqlite3 is no substitute");
    expect(r.stdout).not.toContain('--- step stop-source');
    expect((await host.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
    expect(kube.requests.slice(requests).some((q) => q.method !== 'GET')).toBe(false);
  }, 200_000);

  it('--dry-run prints every command of every step in order and changes nothing', async () => {
    const r = await runAgent(['exec', jobFile(params()), '--dry-run', '--yes'], env, 120_000);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    const order = ['systemctl show -p Environment', 'head -c 16777216 /dev/zero', 'PRAGMA integrity_check', 'systemctl stop', 'scale statefulset/', 'apply -f -', '-cf - ', 'tar -xpf - --numeric-owner', 'chown -R 1000:1000', '--replicas=1', '/identity'];
    let at = 0;
    for (const needle of order) {
      const i = r.stdout.indexOf(needle, at);
      expect(i, `"${needle}" after position ${at}`).toBeGreaterThan(-1);
      at = i;
    }
    expect((await host.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
    expect(kube.store.statefulsets.get('media', STS)!.spec.replicas ?? 1).toBe(1);
  }, 150_000);
});
