/**
 * @module kube-sim/level4-pods.test
 * Level 4: pods that really run, confined to their own filesystem and network — what a migration job leans
 * on: a wrong path fails (or stays) in the pod and never reaches the host, no host path shows in output,
 * `kubectl cp` both ways, a helper pod mounting an existing PVC, per-pod 127.0.0.1 servers, init containers
 * from a ConfigMap script, readiness probes, and StatefulSet scale to 0 and back with the pod really gone.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from './index.js';
import { kubectlRunner, type KubectlRunner } from './kubectl-runner.js';

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const helperPod = (name: string, claim: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'media', labels: { app: 'helper' } },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'helper', image: 'alpine:3.22', command: ['sleep', '3600'], volumeMounts: [{ name: 'config', mountPath: '/config' }], ...extra }],
      volumes: [{ name: 'config', persistentVolumeClaim: { claimName: claim } }],
    },
  });

describe('kube-sim pods run confined', () => {
  let sim: KubeSim;
  let k: KubectlRunner;
  const scratch = mkdtempSync(join(tmpdir(), 'kube-sim-pods-'));
  const ok = async (args: string[], stdin?: string) => {
    const r = await k.run(['-n', 'media', ...args], stdin === undefined ? {} : { stdin });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const sh = (pod: string, script: string) => k.run(['-n', 'media', 'exec', pod, '--', 'sh', '-c', script]);

  beforeAll(async () => {
    sim = await startKubeSim({ namespaces: ['media'], podReadyDelayMs: 20, probeIntervalMs: 50 });
    k = kubectlRunner(sim);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pms-config' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }));
    await ok(['apply', '-f', '-'], helperPod('helper-a', 'pms-config'));
    await ok(['apply', '-f', '-'], helperPod('helper-b', 'pms-config'));
    await ok(['wait', '--for=condition=Ready', 'pod/helper-a', 'pod/helper-b', '--timeout=20s']);
  }, 60_000);
  afterAll(async () => {
    k.killAll();
    await sim.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows the pod its own root, never the host', async () => {
    const ls = await sh('helper-a', 'ls /');
    expect(ls.code).toBe(0);
    expect(ls.stdout.split('\n')).toEqual(expect.arrayContaining(['config', 'etc', 'tmp', 'usr']));
    expect(ls.stdout).not.toMatch(/^(work|home|boot|mnt)$/m);
    const host = await sh('helper-a', `ls ${JSON.stringify(scratch)} ${JSON.stringify(sim.fs.pvcDir('media', 'pms-config'))}`);
    expect(host.code).not.toBe(0);
    expect(host.stderr).toContain('No such file or directory');
    expect((await sh('helper-a', 'cd /config && pwd && find /config -maxdepth 0 && hostname')).stdout).toBe('/config\n/config\nhelper-a\n');
  });

  it('keeps writes to /, /etc and wrong paths inside the pod', async () => {
    const w = await sh('helper-a', 'echo pod > /config.old && echo x >> /etc/hosts && mkdir -p /srv/x && echo pod > /etc/pod-only && cat /config.old /etc/pod-only');
    expect(w).toMatchObject({ code: 0, stdout: 'pod\npod\n' });
    expect(existsSync('/config.old')).toBe(false);
    expect(existsSync('/etc/pod-only')).toBe(false);
    expect(readFileSync('/etc/hosts', 'utf8')).not.toMatch(/^x$/m);
    expect((await sh('helper-b', 'cat /etc/pod-only /config.old 2>&1; true')).stdout).toContain('No such file or directory');
    const ro = await sh('helper-a', 'touch /proc/sys/kernel/hostname 2>&1 || echo refused');
    expect(ro.stdout).toContain('refused');
  });

  it('shares the PVC between pods at its mount path and keeps pod paths in output', async () => {
    await ok(['exec', '-i', 'helper-a', '--', 'sh', '-c', 'mkdir -p "/config/Library/Application Support" && cat > "/config/Library/Application Support/Preferences.xml"'], '<Preferences/>\n');
    expect((await sh('helper-b', 'find /config -type f')).stdout).toBe('/config/Library/Application Support/Preferences.xml\n');
    expect(readFileSync(join(sim.fs.pvcDir('media', 'pms-config'), 'Library/Application Support/Preferences.xml'), 'utf8')).toBe('<Preferences/>\n');
    const tarList = await sh('helper-b', 'tar -cf - -C /config Library | tar -tvf - | head -1');
    expect(tarList.stdout).not.toContain(sim.fs.root);
  });

  it('supports kubectl cp out of and into a pod', async () => {
    const out = join(scratch, 'prefs.xml');
    await ok(['cp', 'helper-a:/config/Library/Application Support/Preferences.xml', out]);
    expect(readFileSync(out, 'utf8')).toBe('<Preferences/>\n');
    writeFileSync(join(scratch, 'up.txt'), 'uploaded\n');
    await ok(['cp', join(scratch, 'up.txt'), 'helper-b:/config/up.txt']);
    expect((await sh('helper-a', 'cat /config/up.txt')).stdout).toBe('uploaded\n');
  });

  it('gives each pod its own 127.0.0.1 (two servers on port 32400)', async () => {
    for (const p of ['helper-a', 'helper-b']) {
      const serve = `mkdir -p /tmp/www && echo ${p} > /tmp/www/identity && cd /tmp/www && exec python3 -m http.server --bind 127.0.0.1 32400`;
      k.spawn(['-n', 'media', 'exec', p, '--', 'sh', '-c', serve]);
    }
    const get = 'python3 -c "import urllib.request,sys; print(urllib.request.urlopen(\'http://127.0.0.1:32400/identity\').read().decode().strip())"';
    for (const p of ['helper-a', 'helper-b']) {
      let r = await sh(p, get);
      for (let i = 0; i < 100 && r.code !== 0; i++) {
        await new Promise((res) => setTimeout(res, 50));
        r = await sh(p, get);
      }
      expect(r.stdout).toBe(`${p}\n`);
    }
  });

  it('runs the init container from a ConfigMap script before the main container, as the pms-docker chart does', async () => {
    const script = '#!/bin/sh\nif [ -d /config/Library ]; then echo "PMS library already exists, exiting."; exit 0; fi\nwhile [ ! -f /config/go ]; do sleep 0.1; done\necho imported > /config/imported\n';
    await ok(['create', 'configmap', 'init-script', `--from-literal=init.sh=${script}`]);
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'fresh' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'guarded' },
      spec: {
        initContainers: [{ name: 'pms-init', image: 'alpine:3.22', command: ['/init/init.sh'], volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'init', mountPath: '/init' }] }],
        containers: [{ name: 'pms', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'config', mountPath: '/config' }] }],
        volumes: [{ name: 'config', persistentVolumeClaim: { claimName: 'fresh' } }, { name: 'init', configMap: { name: 'init-script', defaultMode: 0o700 } }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(pod));
    await waitFor(() => sim.store.pods.get('media', 'guarded')?.status?.initContainerStatuses?.[0]?.state !== undefined && 'running' in (sim.store.pods.get('media', 'guarded')!.status!.initContainerStatuses![0]!.state as object), 'init running');
    expect(await ok(['get', 'pod', 'guarded', '--no-headers'])).toMatch(/^guarded\s+0\/1\s+Init:0\/1/);
    writeFileSync(join(sim.fs.pvcDir('media', 'fresh'), 'go'), '');
    await ok(['wait', '--for=condition=Ready', 'pod/guarded', '--timeout=20s']);
    expect((await k.run(['-n', 'media', 'exec', 'guarded', '--', 'cat', '/config/imported'])).stdout).toBe('imported\n');
    expect((await k.run(['-n', 'media', 'exec', 'guarded', '--', 'ls', '/init'])).code).not.toBe(0);
  });

  it('derives Ready from a readiness probe run inside the pod', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'probed' },
      spec: {
        containers: [{
          name: 'web', image: 'python', command: ['sh', '-c', 'while [ ! -f /tmp/start ]; do sleep 0.05; done; exec python3 -m http.server 8080'],
          ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 10 },
        }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(pod));
    await waitFor(() => sim.store.pods.get('media', 'probed')?.status?.phase === 'Running', 'probed running');
    await new Promise((r) => setTimeout(r, 300));
    expect(await ok(['get', 'pod', 'probed', '--no-headers'])).toMatch(/^probed\s+0\/1\s+Running/);
    await ok(['exec', 'probed', '--', 'touch', '/tmp/start']);
    await ok(['wait', '--for=condition=Ready', 'pod/probed', '--timeout=20s']);
  });

  it('scales a StatefulSet to 0 (the pod and its processes really go) and back (same PVC, same data)', async () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'plex' },
      spec: {
        replicas: 1,
        serviceName: 'plex',
        selector: { matchLabels: { app: 'plex' } },
        template: { metadata: { labels: { app: 'plex' } }, spec: { containers: [{ name: 'pms', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'pms-config', mountPath: '/config' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'pms-config' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }],
      },
    };
    await ok(['apply', '-f', '-'], JSON.stringify(sts));
    await ok(['rollout', 'status', 'sts/plex', '--timeout=20s']);
    await ok(['exec', 'plex-0', '--', 'sh', '-c', 'echo kept > /config/data']);
    const first = sim.store.pods.get('media', 'plex-0')!;
    const sandboxPid = sim.runtime.container(first, 'pms')!.sandbox.pid;
    await ok(['scale', 'sts/plex', '--replicas=0']);
    await ok(['wait', '--for=delete', 'pod/plex-0', '--timeout=20s']);
    await waitFor(() => !existsSync(`/proc/${sandboxPid}`), 'sandbox gone');
    expect(sim.runtime.container(first, 'pms')).toBeUndefined();
    expect(readFileSync(join(sim.fs.pvcDir('media', 'pms-config-plex-0'), 'data'), 'utf8')).toBe('kept\n');
    await ok(['scale', 'sts/plex', '--replicas=1']);
    await ok(['rollout', 'status', 'sts/plex', '--timeout=20s']);
    expect(sim.store.pods.get('media', 'plex-0')!.metadata.uid).not.toBe(first.metadata.uid);
    expect(await ok(['exec', 'plex-0', '--', 'cat', '/config/data'])).toBe('kept\n');
  }, 60_000);
});
