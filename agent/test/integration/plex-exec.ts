/**
 * @module
 * The parts an `exec` test of the Plex move kinds puts together: the Plex source host (real sshd), the kube
 * simulator running the pms-docker stand-in with the fault layer (hosts/plex/faults.ts) on top, the chart
 * rolled out on its empty PVC (a NEW identity, as a fresh install has), a policy allowing exactly the source
 * and the namespace, and helpers to write job files and run the real bundled CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from '../sims/kube/index';
import { kubectlRunner, type KubectlRunner } from '../sims/kube/kubectl-runner';
import { startPlexHost, type PlexHost, type PlexHostOptions } from '../hosts/plex/host';
import { faultLayer, withFaults } from '../hosts/plex/faults';
import { chartFullname, pmsDockerImages } from '../hosts/plex/pms-docker';
import { plexTarget } from '../hosts/plex/target';
import { killAll, runAgent } from '../support/agent-bin';

export const STS = chartFullname('plex');
export const CONFIG_PVC = `pms-config-${STS}-0`;
export const PATH_MAP = [{ from: '/mnt/nas-plex', to: '/media/library' }, { from: '/mnt/nas-plex-optimized', to: '/media/optimized' }];

export interface PlexExec {
  dir: string;
  host: PlexHost;
  kube: KubeSim;
  k: KubectlRunner;
  env: Record<string, string>;
  /** The source as job params name it. */
  source(): { host: string; port: number; user: string };
  /** Runs `plexops-agent exec <job file> --yes [...more]`; `policy` replaces the default policy for this run. */
  exec(kind: string, params: unknown, o?: { more?: string[]; policy?: unknown; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** machineIdentifier /identity answers with in the Plex pod (retried while Plex starts). */
  identity(): Promise<string | undefined>;
  /** Host directory behind the config PVC. */
  pvcDir(): string;
  close(): Promise<void>;
}

export interface PlexExecOptions {
  /** The fault-injecting tar in the pms-docker image (default true; benchmarks leave it out). */
  faults?: boolean;
  /** Size of the config PVC the chart asks for (default the chart's 2Gi). */
  configStorage?: string;
}

export async function startPlexExec(prefix: string, hostOpts: Omit<PlexHostOptions, 'sshKeysFrom'> = {}, o: PlexExecOptions = {}): Promise<PlexExec> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const images = pmsDockerImages(join(dir, 'images'));
  const [host, kube] = await Promise.all([
    startPlexHost({ sizeBytes: 4 << 20, ...hostOpts }),
    startKubeSim({ namespaces: ['media'], podReadyDelayMs: 20, probeIntervalMs: 100, images: o.faults === false ? images : withFaults(images, faultLayer(dir)) }),
  ]);
  const k = kubectlRunner(kube);
  await plexTarget(kube, host.fixture, o.configStorage ? { configStorage: o.configStorage } : {});
  const policy = { ssh: [{ host: '127.0.0.1', port: host.sshd.port, users: ['root'] }], kube: [{ context: 'sim', namespaces: ['media'] }], nomad: [] };
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_SSH_CONFIG: host.sshd.clientConfig, PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '20000', ...kube.env };
  let n = 0;
  return {
    dir, host, kube, k, env,
    source: () => ({ host: '127.0.0.1', port: host.sshd.port, user: 'root' }),
    async exec(kind, params, o = {}) {
      const file = join(dir, `${kind}-${++n}.json`);
      writeFileSync(file, JSON.stringify({ kind, params }));
      writeFileSync(join(dir, 'policy.json'), JSON.stringify(o.policy ?? policy));
      return runAgent(['exec', file, '--yes', ...(o.more ?? [])], env, o.timeoutMs ?? 600_000);
    },
    async identity() {
      for (let i = 0; i < 100; i++) {
        const id = (await k.run(['-n', 'media', 'exec', `${STS}-0`, '--', 'curl', '-s', 'http://127.0.0.1:32400/identity'])).stdout.match(/machineIdentifier="([0-9a-f]+)"/)?.[1];
        if (id) return id;
        await new Promise((r) => setTimeout(r, 200));
      }
      return undefined;
    },
    pvcDir: () => kube.fs.pvcDir('media', CONFIG_PVC),
    async close() {
      killAll();
      k.killAll();
      await Promise.all([host.stop(), kube.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
