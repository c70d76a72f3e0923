/**
 * @module kube-sim/level2-kubectl.test
 * Level 2: core objects, apply/patch/scale, StatefulSet controller, rollout and wait through the real kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from './index.js';
import { kubectlRunner, type KubectlRunner } from './kubectl-runner.js';

const STS = `apiVersion: v1
kind: Service
metadata:
  name: plex
spec:
  clusterIP: None
  selector: {app: plex}
  ports: [{port: 32400, name: http}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: plex
spec:
  serviceName: plex
  replicas: 1
  selector:
    matchLabels: {app: plex}
  template:
    metadata:
      labels: {app: plex}
    spec:
      containers:
      - name: pms
        image: plexinc/pms-docker:1.41.6
        env: [{name: TZ, value: UTC}]
        volumeMounts: [{name: config, mountPath: /config}]
  volumeClaimTemplates:
  - metadata: {name: config}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 2Gi}}
`;

describe('kube-sim level 2 with the real kubectl', () => {
  let sim: KubeSim;
  let k: KubectlRunner;
  beforeAll(async () => {
    sim = await startKubeSim({ namespaces: ['media'], podReadyDelayMs: 100 });
    k = kubectlRunner(sim);
  });
  afterAll(async () => {
    k.killAll();
    await sim.close();
  });
  const ok = async (args: string[], stdin?: string) => {
    const r = await k.run(['-n', 'media', ...args], stdin === undefined ? {} : { stdin });
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  it('applies a StatefulSet + Service from stdin and rolls it out with a PVC per pod', async () => {
    expect(await ok(['apply', '-f', '-'], STS)).toBe('service/plex created\nstatefulset.apps/plex created\n');
    expect(await ok(['rollout', 'status', 'statefulset/plex', '--timeout=20s'])).toContain('roll out complete');
    const pods = await ok(['get', 'pods']);
    expect(pods).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(pods).toMatch(/^plex-0\s+1\/1\s+Running\s+0\s+\d+s$/m);
    expect(await ok(['get', 'sts', 'plex'])).toMatch(/^plex\s+1\/1\s+\d+s$/m);
    expect(await ok(['get', 'pvc', 'config-plex-0', '-o', 'jsonpath={.status.phase}'])).toBe('Bound');
    const pod = JSON.parse(await ok(['get', 'pod', 'plex-0', '-o', 'json']));
    expect(pod.spec.volumes).toContainEqual({ name: 'config', persistentVolumeClaim: { claimName: 'config-plex-0' } });
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: 'StatefulSet', name: 'plex', controller: true });
    expect(await ok(['apply', '-f', '-'], STS)).toBe('service/plex unchanged\nstatefulset.apps/plex unchanged\n');
  });

  it('scales up and down through the scale subresource', async () => {
    expect(await ok(['scale', 'statefulset/plex', '--replicas=3'])).toBe('statefulset.apps/plex scaled\n');
    await ok(['rollout', 'status', 'sts/plex', '--timeout=20s']);
    expect(await ok(['get', 'pods', '-l', 'app=plex', '-o', 'name'])).toBe('pod/plex-0\npod/plex-1\npod/plex-2\n');
    expect(sim.requests.some((r) => r.method === 'PATCH' && r.path.startsWith('/apis/apps/v1/namespaces/media/statefulsets/plex/scale'))).toBe(true);
    await ok(['scale', 'sts/plex', '--replicas=1']);
    await ok(['wait', '--for=delete', 'pod/plex-2', 'pod/plex-1', '--timeout=20s']);
    expect(await ok(['get', 'pods', '-o', 'name'])).toBe('pod/plex-0\n');
    expect(sim.store.persistentvolumeclaims.get('media', 'config-plex-2')).toBeDefined();
  });

  it('restarts a rollout with a new revision and waits for Ready', async () => {
    const before = sim.store.pods.get('media', 'plex-0')!.metadata.uid;
    expect(await ok(['rollout', 'restart', 'sts/plex'])).toBe('statefulset.apps/plex restarted\n');
    await ok(['rollout', 'status', 'sts/plex', '--timeout=20s']);
    await ok(['wait', '--for=condition=Ready', 'pod/plex-0', '--timeout=20s']);
    const pod = sim.store.pods.get('media', 'plex-0')!;
    expect(pod.metadata.uid).not.toBe(before);
    const sts = sim.store.statefulsets.get('media', 'plex')!;
    expect(pod.metadata.labels?.['controller-revision-hash']).toBe(sts.status?.updateRevision);
    expect(sts.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
  });

  it('scales to zero: rollout status returns and wait --for=delete sees the pod go', async () => {
    await ok(['scale', 'sts/plex', '--replicas=0']);
    await ok(['rollout', 'status', 'sts/plex', '--timeout=20s']);
    await ok(['wait', '--for=delete', 'pod/plex-0', '--timeout=20s']);
    expect(sim.store.pods.list('media')).toEqual([]);
  });

  it('patches with merge, json and strategic patches and applies server-side', async () => {
    await ok(['create', 'configmap', 'settings', '--from-literal=a=1']);
    await ok(['patch', 'configmap', 'settings', '--type=merge', '-p', '{"data":{"b":"2"}}']);
    await ok(['patch', 'configmap', 'settings', '--type=json', '-p', '[{"op":"replace","path":"/data/a","value":"9"}]']);
    expect(sim.store.configmaps.get('media', 'settings')!.data).toEqual({ a: '9', b: '2' });
    await ok(['patch', 'sts', 'plex', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"pms","env":[{"name":"EXTRA","value":"1"}]}]}}}}']);
    const c = sim.store.statefulsets.get('media', 'plex')!.spec.template.spec.containers[0]!;
    expect(c.image).toBe('plexinc/pms-docker:1.41.6');
    expect(c.env).toEqual([{ name: 'TZ', value: 'UTC' }, { name: 'EXTRA', value: '1' }]);
    expect(await ok(['apply', '--server-side', '-f', '-'], STS)).toBe('service/plex serverside-applied\nstatefulset.apps/plex serverside-applied\n');
    const dry = await ok(['create', 'configmap', 'ghost', '--from-literal=x=y', '--dry-run=server']);
    expect(dry).toContain('configmap/ghost created (server dry run)');
    expect(sim.store.configmaps.get('media', 'ghost')).toBeUndefined();
  });

  it('prints wide tables, field and label selectors, and logs', async () => {
    await ok(['scale', 'sts/plex', '--replicas=1']);
    await ok(['rollout', 'status', 'sts/plex', '--timeout=20s']);
    const wide = await ok(['get', 'pods', '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    expect(wide).toMatch(/plex-0\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.0\.\d+\s+sim-node/);
    expect(await ok(['get', 'pods', '--field-selector', 'metadata.name=plex-0', '-o', 'name'])).toBe('pod/plex-0\n');
    expect(await ok(['get', 'pods', '-l', 'app=other', '-o', 'name'])).toBe('');
    sim.logs.set('media', 'plex-0', 'pms', ['Starting Plex Media Server', 'Ready']);
    expect(await ok(['logs', 'plex-0'])).toBe('Starting Plex Media Server\nReady\n');
    expect(await ok(['logs', 'plex-0', '--tail=1'])).toBe('Ready\n');
    expect(await ok(['get', 'svc', 'plex'])).toMatch(/^plex\s+ClusterIP\s+None\s+<none>\s+32400\/TCP\s+\d+s$/m);
  });

  it('deletes a StatefulSet and garbage-collects its pods but keeps PVCs', async () => {
    expect(await ok(['delete', 'sts', 'plex'])).toBe('statefulset.apps "plex" deleted\n');
    await ok(['wait', '--for=delete', 'pod/plex-0', '--timeout=20s']);
    expect(await ok(['get', 'pvc', '-o', 'name'])).toContain('persistentvolumeclaim/config-plex-0');
    const missing = await k.run(['-n', 'media', 'get', 'sts', 'plex']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): statefulsets.apps "plex" not found');
  });
});
