/**
 * @module kube-sim/level1-kubectl.test
 * Level 1 (connectivity check): version, discovery, namespaces and permission checks through the real kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultVersion } from './discovery.js';
import { startKubeSim, type KubeSim } from './index.js';
import { kubectlRunner, type KubectlRunner } from './kubectl-runner.js';

describe('kube-sim level 1 with the real kubectl (plain HTTP)', () => {
  let sim: KubeSim;
  let k: KubectlRunner;
  beforeAll(async () => {
    sim = await startKubeSim({ namespaces: ['media'], deny: [{ namespace: 'locked', resource: 'pods' }] });
    sim.store.namespaces.create({ metadata: { name: 'locked' } });
    k = kubectlRunner(sim);
  });
  afterAll(async () => {
    k.killAll();
    await sim.close();
  });

  it('reports the server version and the dispatcher picks the matching kubectl', async () => {
    const r = await k.run(['version', '-o', 'json']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as { clientVersion: { minor: string }; serverVersion: { major: string; minor: string; gitVersion: string } };
    const want = defaultVersion();
    expect(v.serverVersion).toMatchObject({ major: '1', minor: want.minor, gitVersion: want.gitVersion });
    expect(v.clientVersion.minor).toBe(want.minor);
    expect(sim.requests.some((q) => q.path.startsWith('/version'))).toBe(true);
  });

  it('lists namespaces as a table', async () => {
    const r = await k.run(['get', 'ns']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    expect(r.stdout).toMatch(/^default\s+Active\s+\d+s$/m);
    expect(r.stdout).toMatch(/^media\s+Active/m);
    expect(r.stdout).toMatch(/^kube-system\s+Active/m);
  });

  it('gets one namespace as JSON', async () => {
    const r = await k.run(['get', 'ns', 'default', '-o', 'json']);
    expect(r.code).toBe(0);
    const ns = JSON.parse(r.stdout) as Record<string, any>;
    expect(ns).toMatchObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    expect(ns.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(ns.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('answers auth can-i from SelfSubjectAccessReviews', async () => {
    const yes = await k.run(['auth', 'can-i', 'get', 'pods', '-n', 'default']);
    expect(yes).toMatchObject({ code: 0, stdout: 'yes\n' });
    const missing = await k.run(['auth', 'can-i', 'get', 'pods', '-n', 'does-not-exist']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^no/);
    const denied = await k.run(['auth', 'can-i', 'get', 'pods', '-n', 'locked']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/^no/);
    const otherVerb = await k.run(['auth', 'can-i', 'list', 'statefulsets.apps', '-n', 'locked']);
    expect(otherVerb.stdout).toBe('yes\n');
    expect(sim.requests.some((q) => q.method === 'POST' && q.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).toBe(true);
  });

  it('enforces deny rules on real requests with an RBAC-style 403', async () => {
    const r = await k.run(['get', 'pods', '-n', 'locked']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "sim-user" cannot list resource "pods" in API group "" in the namespace "locked"');
  });

  it('says No resources found for empty namespaces (existing or not)', async () => {
    for (const ns of ['media', 'nowhere']) {
      const r = await k.run(['get', 'pods', '-n', ns]);
      expect(r.code).toBe(0);
      expect(r.stderr.trim()).toBe(`No resources found in ${ns} namespace.`);
    }
  });

  it('shows the current context', async () => {
    const r = await k.run(['config', 'current-context']);
    expect(r).toMatchObject({ code: 0, stdout: 'sim\n' });
  });

  it('creates, rejects duplicates of, and deletes namespaces', async () => {
    expect((await k.run(['create', 'namespace', 'scratch'])).stdout).toBe('namespace/scratch created\n');
    const dup = await k.run(['create', 'namespace', 'scratch']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('Error from server (AlreadyExists): namespaces "scratch" already exists');
    const del = await k.run(['delete', 'namespace', 'scratch']);
    expect(del).toMatchObject({ code: 0, stdout: 'namespace "scratch" deleted\n' });
    const gone = await k.run(['get', 'ns', 'scratch']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Error from server (NotFound): namespaces "scratch" not found');
    expect(sim.store.namespaces.get('scratch')).toBeUndefined();
  });
});

describe('kube-sim level 1 over HTTPS with token enforcement', () => {
  let sim: KubeSim;
  let k: KubectlRunner;
  beforeAll(async () => {
    sim = await startKubeSim({ tls: true, token: 'right-token', version: { major: '1', minor: '30', gitVersion: 'v1.30.2' } });
    k = kubectlRunner(sim);
  });
  afterAll(async () => {
    k.killAll();
    await sim.close();
  });

  it('works with the kubeconfig token and picks kubectl 1.30 for a 1.30 server', async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await k.run(['version', '-o', 'json']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as { clientVersion: { minor: string }; serverVersion: { gitVersion: string } };
    expect(v.serverVersion.gitVersion).toBe('v1.30.2');
    expect(v.clientVersion.minor).toBe('30');
    expect((await k.run(['get', 'ns', 'default', '-o', 'name'])).stdout).toBe('namespace/default\n');
    expect((await k.run(['auth', 'can-i', 'get', 'pods', '-n', 'default'])).stdout).toBe('yes\n');
  });

  it('rejects a wrong token like the real API server', async () => {
    const r = await k.run(['--token', 'wrong-token', 'get', 'ns']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });
});
