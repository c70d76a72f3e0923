/**
 * `plexops-agent exec` of plex-to-kubernetes and its rollback with real parts: the bundled CLI, a real OpenSSH
 * server into the Plex source host sandbox (hosts/plex), the real kubectl against the kube simulator running the
 * pms-docker stand-in (which minted a new identity on its empty PVC, as a fresh chart install does), and the PMS
 * simulator in the pod for the library folders step.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATH_MAP, STS, startPlexExec, type PlexExec } from './plex-exec';

const HELM_RELEASE = (tag: string) => `# Plex on the home cluster — reconciled by Flux
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: plex # the release
  namespace: media
spec:
  chart:
    spec:
      chart: plex-media-server
      version: "1.5.0"
  values:
    image:
      repository: plexinc/pms-docker
      # pinned by hand last time

      tag: "${tag}"   # keep in step with the source
    pms:
      configStorage: 2Gi
`;

describe('exec plex-to-kubernetes (real ssh, kubectl, pms-docker stand-in, PMS API in the pod)', () => {
  let x: PlexExec;
  beforeAll(async () => {
    x = await startPlexExec('plex-move-');
  }, 240_000);
  afterAll(async () => {
    await x?.close();
  });
  const moveParams = (overwrite: 'refuse' | 'move-aside', more: Record<string, unknown> = {}) => ({ source: x.source(), target: { context: 'sim', namespace: 'media' }, pathMap: PATH_MAP, overwrite, ...more });
  /** GET on the Plex API in the pod, as JSON. */
  const plexGet = async (path: string) => {
    const r = await x.k.run(['-n', 'media', 'exec', `${STS}-0`, '--', 'curl', '-s', '-H', `X-Plex-Token: ${x.host.fixture.token}`, '-H', 'Accept: application/json', `http://127.0.0.1:32400${path}`]);
    return JSON.parse(r.stdout);
  };

  it('refuses a target PVC that already holds a Library before touching anything', async () => {
    const minted = await x.identity();
    expect(minted).toMatch(/^[0-9a-f]{40}$/);
    expect(minted).not.toBe(x.host.fixture.processedMachineIdentifier);
    const r = await x.exec('plex-to-kubernetes', moveParams('refuse'), { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('already holds a Library (overwrite policy: refuse); nothing was changed');
    expect((await x.host.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
  }, 150_000);

  it('moves Plex: same identity and version, every record and watch history verified, tag pinned in the YAML, library folders moved through the Plex API', async () => {
    const values = join(x.dir, 'helmrelease.yaml');
    writeFileSync(values, HELM_RELEASE('1.40.0.7998-c29d4c0c8'));
    const r = await x.exec('plex-to-kubernetes', moveParams('move-aside', {
      versionPin: { mode: 'yaml', file: values },
      libraryPaths: { plexToken: x.host.fixture.token },
    }));
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    const fx = x.host.fixture;
    expect(r.stdout).toContain(`answers /identity as ${fx.processedMachineIdentifier}, Plex ${fx.version}: same server`);
    expect(r.stdout).toMatch(/verified: integrity ok; metadata_items \d+/);
    expect(r.stdout).toMatch(/manifests of \d+ entries and \d+ checksums agree/);
    // GNU tar on the source counts the stream itself: ssh and kubectl are joined by one pipe, and its
    // total is the figure reported.
    const moved = r.stdout.match(/moved (\d+) bytes in [\d.]+ s \([\d.]+ MB\/s, ssh → kubectl through one pipe\)/)?.[1];
    expect(moved).toBeDefined();
    expect(r.stdout).toContain(`Total bytes written: ${moved} (`);
    // The progress total is the stream's size estimated in preflight (headers, long names, padding).
    const estimate = Number(r.stdout.match(/a tar stream of about (\d+) bytes/)?.[1]);
    expect(Math.abs(estimate - Number(moved)) / Number(moved)).toBeLessThan(0.01);
    expect(r.stdout).not.toMatch(/^\[ssh\] tar: plexops-progress/m); // progress figures, not log lines
    expect(r.stdout).toContain('the existing Library on the PVC was moved to /config/Library.plexops-old-');
    expect(r.stdout).toContain('the tag was not checked against the image registry: versionPin.checkRegistry is off');
    expect(await x.identity()).toBe(fx.processedMachineIdentifier);
    // The fresh install's data is kept beside, with its own (minted) identity.
    const aside = readdirSync(x.pvcDir()).filter((f) => f.startsWith('Library.plexops-old-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(x.pvcDir(), aside[0]!, 'Application Support/Plex Media Server/Preferences.xml'), 'utf8')).not.toContain(fx.machineIdentifier);
    // The pin: one value changed, comments, blank line, quotes and layout kept.
    expect(readFileSync(values, 'utf8')).toBe(HELM_RELEASE(fx.version));
    // Library folders: the documented route through the API, nothing lost, the setting restored.
    expect(r.stdout).toContain('"Empty trash automatically" off during the change (it was on)');
    for (const s of fx.sections) expect(r.stdout).toMatch(new RegExp(`library "${s.name}": ([1-9]\\d*) item\\(s\\) before, \\1 after, all at the new folders`));
    const sections = (await plexGet('/library/sections')).MediaContainer.Directory as Array<{ title: string; Location: Array<{ path: string }> }>;
    expect(Object.fromEntries(sections.map((s) => [s.title, s.Location.map((l) => l.path)]))).toEqual({
      Movies: ['/media/library/Movies'],
      'TV Shows': ['/media/library/TV Shows'],
      'Home Videos': ['/media/library/Home Videos', '/media/optimized/Home Videos'],
    });
    const prefs = (await plexGet('/:/prefs')).MediaContainer.Setting as Array<{ id: string; value: string }>;
    expect(prefs.find((p) => p.id === 'autoEmptyTrash')?.value).toBe('1');
    const src = await x.host.exec('systemctl is-active plexmediaserver; systemctl is-enabled plexmediaserver; pidof "Plex Media Server" || echo none');
    expect(src.stdout).toBe('inactive\ndisabled\nnone\n');
    expect(r.stdout).not.toContain(fx.token);
  }, 650_000);

  it('rolls back: the target stops, the source is back with its identity', async () => {
    const r = await x.exec('plex-to-kubernetes-rollback', { source: x.source(), target: { context: 'sim', namespace: 'media' }, machineIdentifier: x.host.fixture.processedMachineIdentifier }, { timeoutMs: 300_000 });
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(r.stdout).toContain(`Plex on 127.0.0.1 is back as ${x.host.fixture.processedMachineIdentifier}`);
    expect(x.kube.store.statefulsets.get('media', STS)!.spec.replicas).toBe(0);
    expect(x.kube.store.pods.get('media', `${STS}-0`)).toBeUndefined();
    const id = await x.host.exec('curl -s http://127.0.0.1:32400/identity');
    expect(id.stdout).toContain(`machineIdentifier="${x.host.fixture.processedMachineIdentifier}"`);
  }, 350_000);
});

describe('exec plex-to-kubernetes when the source lacks Plex SQLite, and --dry-run', () => {
  let x: PlexExec;
  beforeAll(async () => {
    x = await startPlexExec('plex-move-nosqlite-', { sizeBytes: 1 << 20, plexSqlite: false });
  }, 240_000);
  afterAll(async () => {
    await x?.close();
  });

  const params = (more: Record<string, unknown> = {}) => ({ source: x.source(), target: { context: 'sim', namespace: 'media', statefulSet: STS }, overwrite: 'move-aside', ...more });

  it('stops at the integrity step with a clear message, before the source or target is touched', async () => {
    const requests = x.kube.requests.length;
    const r = await x.exec('plex-to-kubernetes', params(), { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Plex SQLite is missing on the source');
    expect(r.stdout).toContain('Stock sqlite3 is no substitute');
    expect(r.stdout).not.toContain('--- step stop-source');
    expect((await x.host.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
    expect(x.kube.requests.slice(requests).some((q) => q.method !== 'GET')).toBe(false);
  }, 200_000);

  it('--dry-run prints every command of every step in order and changes nothing', async () => {
    const r = await x.exec('plex-to-kubernetes', params(), { more: ['--dry-run'], timeoutMs: 120_000 });
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    const order = ['systemctl show -p Environment', 'head -c 16777216 /dev/zero', 'PRAGMA integrity_check', 'systemctl stop', 'scale statefulset/', 'apply -f -', '-cf - ', 'tar -xpf - --numeric-owner', 'sha256sum', 'chown -R 1000:1000', '--replicas=1', '/identity', 'PRAGMA integrity_check'];
    let at = 0;
    for (const needle of order) {
      const i = r.stdout.indexOf(needle, at);
      expect(i, `"${needle}" after position ${at}`).toBeGreaterThan(-1);
      at = i;
    }
    expect((await x.host.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
    expect(x.kube.store.statefulsets.get('media', STS)!.spec.replicas ?? 1).toBe(1);
  }, 150_000);

  it('--dry-run with the helm pin, the registry check and a Plex token prints those commands too, never the token', async () => {
    const token = 'dry-run-token-9f3b2c';
    const r = await x.exec('plex-to-kubernetes', params({
      versionPin: { mode: 'helm', chart: 'plex/plex-media-server', checkRegistry: true, registryUrl: 'http://127.0.0.1:9' },
      libraryPaths: { plexToken: token },
    }), { more: ['--dry-run'], timeoutMs: 120_000 });
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    const order = ['helm status', 'would check http://127.0.0.1:9/v2/plexinc/pms-docker/manifests/', 'systemctl stop', 'helm upgrade', '--reuse-values --set-string image.tag=',
      '-X GET -H @- -H \'Accept: application/json\'', "http://127.0.0.1:32400/:/prefs", 'autoEmptyTrash=0', '/library/sections/0/refresh', '/emptyTrash', 'autoEmptyTrash=1'];
    let at = 0;
    for (const needle of order) {
      const i = r.stdout.indexOf(needle, at);
      expect(i, `"${needle}" after position ${at}`).toBeGreaterThan(-1);
      at = i;
    }
    expect(r.stdout).not.toContain(token);
  }, 150_000);
});
