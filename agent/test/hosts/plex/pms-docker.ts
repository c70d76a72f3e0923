/**
 * @module plex-host/pms-docker
 * The Kubernetes target of a Plex migration, for the kube simulator:
 *   - `pmsChartManifests()` renders what the pms-docker Helm chart (1.5.0) renders: ServiceAccount, the init
 *     script ConfigMap (when `initScript`), Service, and the StatefulSet — chart labels, image
 *     `index.docker.io/plexinc/pms-docker:<tag>`, container `<fullname>-pms` on 32400 with /config and
 *     /transcode (emptyDir), the `<fullname>-pms-init` init container running /init/init.sh, either
 *     volumeClaimTemplates `pms-config` (→ PVC `pms-config-<fullname>-0`) or `configExistingClaim`,
 *     extraEnv/extraVolumes/extraVolumeMounts, optional readinessProbe, terminationGracePeriodSeconds 120.
 *   - `pmsDockerImages()` is the image resolver that makes that image run: per tag, a layer with the Plex
 *     install (version = the tag; install.ts) and `/init`, which does pms-docker's first-run setup (ownership,
 *     Preferences shell, MachineIdentifier minted when missing — so a pod started on an empty PVC gets a NEW
 *     identity, the trap) and then runs "Plex Media Server" (the PMS simulator over /config) as PLEX_UID:PLEX_GID.
 * Tags that are not Plex versions (or latest/public/beta) fail with ErrImagePull, as a missing tag does.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageResolver, ImageRuntime, KubeObject } from '../../sims/kube/index.js';
import { plexInstallLayer } from './install.js';

export const CHART_VERSION = '1.5.0';
export const CHART_APP_VERSION = '1.43.0';
export const CHART_DEFAULT_TAG = '1.43.0.10492-121068a07';
export const IMAGE_REPOSITORY = 'plexinc/pms-docker';

export interface PmsChartOptions {
  release?: string;
  namespace?: string;
  tag?: string;
  configExistingClaim?: string;
  configStorage?: string;
  initScript?: string;
  extraEnv?: Record<string, string>;
  extraVolumes?: Array<Record<string, unknown>>;
  extraVolumeMounts?: Array<Record<string, unknown>>;
  readinessProbe?: Record<string, unknown>;
}

/** The chart's fullname rule: the release name if it contains the chart name, else `<release>-plex-media-server`. */
export function chartFullname(release: string): string {
  return (release.includes('plex-media-server') ? release : `${release}-plex-media-server`).slice(0, 63).replace(/-+$/, '');
}

export function pmsChartManifests(o: PmsChartOptions = {}): KubeObject[] {
  const release = o.release ?? 'plex';
  const ns = o.namespace ?? 'default';
  const fullname = chartFullname(release);
  const selector = { 'app.kubernetes.io/name': 'plex-media-server', 'app.kubernetes.io/instance': release };
  const labels = { app: 'plex-media-server', 'helm.sh/chart': `plex-media-server-${CHART_VERSION}`, ...selector, 'app.kubernetes.io/version': CHART_APP_VERSION, 'app.kubernetes.io/managed-by': 'Helm' };
  const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: ns, labels: { ...extra, ...labels }, annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': ns } });
  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(fullname), automountServiceAccountToken: false }];
  if (o.initScript) out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${fullname}-init-script`), data: { 'init.sh': o.initScript } });
  out.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(fullname), spec: { type: 'ClusterIP', ports: [{ port: 32400, targetPort: 32400, protocol: 'TCP', name: 'pms' }], selector } });
  const volumes: Array<Record<string, unknown>> = [
    ...(o.configExistingClaim ? [{ name: 'pms-config', persistentVolumeClaim: { claimName: o.configExistingClaim } }] : []),
    { name: 'pms-transcode', emptyDir: {} },
    ...(o.initScript ? [{ name: 'init-script-configmap', configMap: { defaultMode: 0o700, name: `${fullname}-init-script` } }] : []),
    ...(o.extraVolumes ?? []),
  ];
  const extraMounts = o.extraVolumeMounts ?? [];
  out.push({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(fullname, { name: fullname }),
    spec: {
      serviceName: fullname,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, annotations: {} },
        spec: {
          serviceAccountName: fullname,
          tolerations: [],
          nodeSelector: {},
          affinity: {},
          volumes,
          terminationGracePeriodSeconds: 120,
          initContainers: o.initScript
            ? [{ name: `${fullname}-pms-init`, image: 'index.docker.io/alpine:3.22', command: ['/init/init.sh'], volumeMounts: [{ name: 'pms-config', mountPath: '/config' }, { name: 'init-script-configmap', mountPath: '/init' }, ...extraMounts] }]
            : [],
          containers: [{
            name: `${fullname}-pms`,
            image: `index.docker.io/${IMAGE_REPOSITORY}:${o.tag ?? CHART_DEFAULT_TAG}`,
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 32400, name: 'pms' }],
            env: Object.entries(o.extraEnv ?? {}).map(([name, value]) => ({ name, value })),
            ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}),
            volumeMounts: [{ name: 'pms-config', mountPath: '/config' }, { name: 'pms-transcode', mountPath: '/transcode' }, ...extraMounts],
          }],
        },
      },
      ...(o.configExistingClaim ? {} : { volumeClaimTemplates: [{ metadata: { name: 'pms-config' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.configStorage ?? '2Gi' } } } }] }),
    },
  });
  return out;
}

const INIT = `#!/bin/sh
# pms-docker stand-in for the image's /init (s6-overlay): cont-init 40-plex-first-run, then Plex as the plex user.
set -e
${process.execPath} /usr/lib/plexmediaserver/lib/pms-sim.mjs first-run
export HOME=/config
export PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR="\${PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR:-/config/Library/Application Support}"
exec setpriv --reuid="\${PLEX_UID:-1000}" --regid="\${PLEX_GID:-1000}" --clear-groups "/usr/lib/plexmediaserver/Plex Media Server"
`;

const TAG = /^(\d+\.\d+\.\d+\.\d+-[0-9a-f]{7,9}|latest|public|beta)$/;

/** Image resolver for the kube simulator: plexinc/pms-docker:<tag> runs the stand-in; other images → undefined. */
export function pmsDockerImages(dir: string, opts: { latest?: string } = {}): ImageResolver {
  const cache = new Map<string, Promise<ImageRuntime>>();
  return (image) => {
    const m = image.match(/^(?:(?:index\.)?docker\.io\/)?plexinc\/pms-docker(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/);
    if (!m) return undefined;
    const tag = m[1] ?? 'latest';
    if (!TAG.test(tag)) throw Object.assign(new Error(`Failed to pull image "${image}": docker.io/${IMAGE_REPOSITORY}:${tag}: not found`), { reason: 'ErrImagePull' });
    const version = TAG.test(tag) && /^\d/.test(tag) ? tag : opts.latest ?? CHART_DEFAULT_TAG;
    let layer = cache.get(tag);
    if (!layer) {
      layer = (async () => {
        const root = join(dir, `pms-docker-${tag}`);
        if (!existsSync(join(root, 'init'))) {
          mkdirSync(root, { recursive: true });
          await plexInstallLayer(root, { version });
          writeFileSync(join(root, 'init'), INIT);
          chmodSync(join(root, 'init'), 0o755);
        }
        return { layers: [root], entrypoint: ['/init'], env: { HOME: '/config', LANG: 'C.UTF-8', TERM: 'xterm', CHANGE_CONFIG_DIR_OWNERSHIP: 'true' } };
      })();
      cache.set(tag, layer);
    }
    return layer;
  };
}
