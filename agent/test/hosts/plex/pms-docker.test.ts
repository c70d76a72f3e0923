/**
 * @module plex-host/pms-docker.test
 * The pms-docker stand-in in the kube simulator, driven by the real kubectl: the chart's objects apply; a pod
 * on an empty PVC mints a NEW identity (the trap); the migration path — scale to 0, helper pod on the config
 * PVC, `tar | kubectl exec -i … tar -x`, scale to 1 — brings up the source's identity and library at the
 * pinned tag, checkable with the image's own Plex SQLite; the init-container guard; a readiness probe on
 * /identity; an unknown tag fails to pull; files the plex user cannot write keep PMS from starting.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '../../sims/kube/index.js';
import { kubectlRunner, type KubectlRunner } from '../../sims/kube/kubectl-runner.js';
import { buildPlexFixture, DB_DIR, LIBRARY_DB, type PlexFixture } from './fixture.js';
import { chartFullname, pmsChartManifests, pmsDockerImages } from './pms-docker.js';

const TAG = '1.41.6.9685-d301f511a';
const FULL = chartFullname('plex');
const POD = `${FULL}-0`;
const PVC = `pms-config-${POD}`;
const PMS = '/config/Library/Application Support/Plex Media Server';

async function until<T>(f: () => Promise<T | undefined> | T | undefined, what: string, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('pms-docker stand-in in the kube simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pms-docker-'));
  let sim: KubeSim;
  let k: KubectlRunner;
  let fx: PlexFixture;
  const ok = async (args: string[], stdin?: string) => {
    const r = await k.run(['-n', 'media', ...args], { ...(stdin === undefined ? {} : { stdin }), timeoutMs: 40_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const apply = (objs: unknown[]) => ok(['apply', '-f', '-'], objs.map((o) => JSON.stringify(o)).join('\n---\n'));
  const identity = async (pod = POD) => {
    const r = await until(async () => {
      const x = await k.run(['-n', 'media', 'exec', pod, '--', 'curl', '-sf', 'http://127.0.0.1:32400/identity']);
      return x.code === 0 ? x.stdout : undefined;
    }, '/identity');
    return { id: r.match(/machineIdentifier="([0-9a-f]+)"/)?.[1], version: r.match(/<MediaContainer[^>]*\sversion="([^"]+)"/)?.[1] };
  };

  beforeAll(async () => {
    fx = buildPlexFixture({ dir: join(dir, 'source'), sizeBytes: 2 << 20, mediaRoot: '/media/library', optimizedRoot: '/media/optimized' });
    sim = await startKubeSim({ namespaces: ['media'], podReadyDelayMs: 20, probeIntervalMs: 100, images: pmsDockerImages(join(dir, 'images')) });
    k = kubectlRunner(sim);
  }, 60_000);
  afterAll(async () => {
    k?.killAll();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the chart objects and mints a NEW identity on an empty PVC (the trap)', async () => {
    await apply(pmsChartManifests({ namespace: 'media', tag: TAG }));
    const sts = sim.store.statefulsets.get('media', FULL)!;
    expect(sts.spec.template.spec.containers[0]!.image).toBe(`index.docker.io/plexinc/pms-docker:${TAG}`);
    expect(sts.spec.volumeClaimTemplates![0]!.metadata.name).toBe('pms-config');
    await ok(['rollout', 'status', `sts/${FULL}`, '--timeout=30s']);
    expect(sim.store.persistentvolumeclaims.get('media', PVC)).toBeDefined();
    const first = await identity();
    expect(first.version).toBe(TAG);
    expect(first.id).toMatch(/^[0-9a-f]{40}$/);
    expect(first.id).not.toBe(fx.processedMachineIdentifier);
    expect(await ok(['logs', POD])).toContain('Plex Media Server first run setup complete (new MachineIdentifier)');
    expect((await ok(['exec', POD, '--', 'pidof', 'Plex Media Server'])).trim()).toMatch(/^\d+$/);
  }, 90_000);

  it('serves the migrated identity and library after scale 0 → helper pod → tar stream → scale 1', async () => {
    await ok(['scale', `sts/${FULL}`, '--replicas=0']);
    await ok(['wait', '--for=delete', `pod/${POD}`, '--timeout=30s']);
    await apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plex-helper', namespace: 'media' }, spec: { restartPolicy: 'Never', containers: [{ name: 'helper', image: 'alpine:3.22', command: ['sleep', '3600'], volumeMounts: [{ name: 'config', mountPath: '/config' }] }], volumes: [{ name: 'config', persistentVolumeClaim: { claimName: PVC } }] } }]);
    await ok(['wait', '--for=condition=Ready', 'pod/plex-helper', '--timeout=30s']);
    await ok(['exec', 'plex-helper', '--', 'sh', '-c', 'rm -rf /config/Library && mkdir -p "/config/Library/Application Support"']);
    const tar = spawn('tar', ['-C', dirname(fx.pmsHostDir), '-cf', '-', 'Plex Media Server'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const kc = k.spawn(['-n', 'media', 'exec', '-i', 'plex-helper', '--', 'tar', '-xpf', '-', '-C', '/config/Library/Application Support']);
    tar.stdout.pipe(kc.stdin!);
    kc.stdout!.resume();
    expect(await new Promise((r) => kc.on('close', r))).toBe(0);
    await ok(['exec', 'plex-helper', '--', 'chown', '-R', '1000:1000', '/config']);
    await ok(['delete', 'pod', 'plex-helper', '--wait=true']);
    await ok(['scale', `sts/${FULL}`, '--replicas=1']);
    await ok(['wait', '--for=condition=Ready', `pod/${POD}`, '--timeout=30s']);
    expect(await identity()).toEqual({ id: fx.processedMachineIdentifier, version: TAG });
    const db = `${PMS}/${DB_DIR}/${LIBRARY_DB}`;
    expect(await ok(['exec', POD, '--', '/usr/lib/plexmediaserver/Plex SQLite', db, 'PRAGMA integrity_check(1)'])).toBe('ok\n');
    expect(Number(await ok(['exec', POD, '--', '/usr/lib/plexmediaserver/Plex SQLite', db, 'SELECT count(*) FROM metadata_item_views']))).toBe(fx.counts.metadata_item_views);
    const sections = await ok(['exec', POD, '--', 'sh', '-c', `curl -s -H "X-Plex-Token: ${fx.token}" -H 'Accept: application/json' http://127.0.0.1:32400/library/sections`]);
    expect(JSON.parse(sections).MediaContainer.Directory.map((d: { title: string }) => d.title)).toEqual(fx.sections.map((s) => s.name));
  }, 120_000);

  it('skips the init-container import once /config/Library exists, and probes /identity for readiness', async () => {
    const guard = '#!/bin/sh\nif [ -d "/config/Library" ]; then echo "PMS library already exists, exiting."; exit 0; fi\necho importing; sleep 3600\n';
    await apply(pmsChartManifests({ namespace: 'media', tag: TAG, initScript: guard, readinessProbe: { httpGet: { path: '/identity', port: 32400 }, periodSeconds: 60 } }));
    await until(() => sim.store.pods.get('media', POD)?.spec.initContainers?.length === 1 && sim.store.pods.get('media', POD)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 'rolled pod with init container ready', 60_000);
    expect(await ok(['logs', POD, '-c', `${FULL}-pms-init`])).toBe('PMS library already exists, exiting.\n');
    expect((await identity()).id).toBe(fx.processedMachineIdentifier);
  }, 90_000);

  it('fails to pull a tag that does not exist', async () => {
    await apply(pmsChartManifests({ release: 'ghost', namespace: 'media', tag: 'no-such-tag' }));
    const st = await until(() => {
      const s = sim.store.pods.get('media', `${chartFullname('ghost')}-0`)?.status?.containerStatuses?.[0]?.state as { waiting?: { reason?: string } } | undefined;
      return s?.waiting?.reason === 'ErrImagePull' ? s : undefined;
    }, 'ErrImagePull');
    expect(st.waiting?.reason).toBe('ErrImagePull');
    await ok(['delete', 'sts', chartFullname('ghost')]);
  });

  it('does not start Plex when the plex user cannot write the migrated files (ownership not fixed)', async () => {
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'unfixed', namespace: 'media' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }));
    const tar = spawn('sh', ['-c', `mkdir -p "${sim.fs.pvcDir('media', 'unfixed')}/Library/Application Support" && tar -C "${dirname(fx.pmsHostDir)}" -cf - "Plex Media Server" | tar -C "${sim.fs.pvcDir('media', 'unfixed')}/Library/Application Support" -xpf -`]);
    expect(await new Promise((r) => tar.on('close', r))).toBe(0);
    await apply(pmsChartManifests({ release: 'unfixed', namespace: 'media', tag: TAG, configExistingClaim: 'unfixed', extraEnv: { CHANGE_CONFIG_DIR_OWNERSHIP: 'false' } }));
    const pod = `${chartFullname('unfixed')}-0`;
    await until(() => ((sim.store.pods.get('media', pod)?.status?.containerStatuses?.[0]?.restartCount as number | undefined) ?? 0) > 0, 'crash loop');
    expect(sim.logs).toBeDefined();
    expect(await ok(['logs', pod])).toContain('cannot write');
  }, 60_000);
});
