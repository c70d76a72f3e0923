/**
 * @module plex-host/target
 * A ready Kubernetes target for a Plex move test: the household's media as PVCs (copied from the fixture,
 * mounted at /media/library and /media/optimized) and the pms-docker chart at the source's version, applied
 * with the real kubectl and rolled out — running on its empty config PVC, so with a NEW identity, as a fresh
 * chart install is. The kube simulator must run with `images: pmsDockerImages(…)`.
 */
import { cpSync } from 'node:fs';
import type { KubeSim } from '../../sims/kube/index.js';
import { kubectlRunner } from '../../sims/kube/kubectl-runner.js';
import type { PlexFixture } from './fixture.js';
import { chartFullname, pmsChartManifests } from './pms-docker.js';

export async function plexTarget(sim: KubeSim, fx: PlexFixture, o: { namespace?: string; release?: string; tag?: string; configStorage?: string } = {}): Promise<{ statefulSet: string }> {
  const ns = o.namespace ?? 'media';
  cpSync(fx.mediaHostDir, sim.fs.pvcDir(ns, 'media-library'), { recursive: true });
  cpSync(fx.optimizedHostDir, sim.fs.pvcDir(ns, 'media-optimized'), { recursive: true });
  const pvc = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } } } });
  const objs = [pvc('media-library'), pvc('media-optimized'), ...pmsChartManifests({
    namespace: ns,
    ...(o.release ? { release: o.release } : {}),
    tag: o.tag ?? fx.version,
    ...(o.configStorage ? { configStorage: o.configStorage } : {}),
    extraVolumes: [{ name: 'library', persistentVolumeClaim: { claimName: 'media-library' } }, { name: 'optimized', persistentVolumeClaim: { claimName: 'media-optimized' } }],
    extraVolumeMounts: [{ name: 'library', mountPath: '/media/library' }, { name: 'optimized', mountPath: '/media/optimized' }],
  })];
  const k = kubectlRunner(sim);
  try {
    const r = await k.run(['apply', '-f', '-'], { stdin: objs.map((x) => JSON.stringify(x)).join('\n---\n') });
    if (r.code !== 0) throw new Error(`applying the Plex target: ${r.stderr}`);
    const statefulSet = chartFullname(o.release ?? 'plex');
    const s = await k.run(['-n', ns, 'rollout', 'status', `sts/${statefulSet}`, '--timeout=90s'], { timeoutMs: 100_000 });
    if (s.code !== 0) throw new Error(`Plex target did not roll out: ${s.stderr}`);
    return { statefulSet };
  } finally {
    k.killAll();
  }
}
