import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectivityCheckParams, connectivityCheck } from '../../../worker/src/contracts/job-kinds';
import { targetViolations, DENY_ALL, loadPolicy, normaliseAddress, Policy, PolicyError } from '../../src/policy';

const policy = Policy.parse({
  ssh: [{ host: 'nas.lan', users: ['root'] }, { host: '127.0.0.1', port: 2222, hostKeys: 'accept-new' }],
  kube: [{ context: 'home', namespaces: ['media'] }, { namespaces: ['*'] }],
  nomad: [{ address: 'http://127.0.0.1:4646/', namespaces: ['default', 'media'] }],
});
const check = (p: unknown) => targetViolations(policy, connectivityCheck.targets(ConnectivityCheckParams.parse(p)));

describe('policy', () => {
  it('denies everything when there is no policy', () => {
    expect(targetViolations(DENY_ALL, connectivityCheck.targets(ConnectivityCheckParams.parse({ ssh: [{ host: 'nas.lan' }] })))).toEqual([
      'ssh target nas.lan is not allowed by the agent policy',
    ]);
  });

  it('allows listed ssh hosts, users and ports only', () => {
    expect(check({ ssh: [{ host: 'nas.lan' }, { host: 'NAS.lan', user: 'root', port: 22 }, { host: '127.0.0.1', port: 2222 }] })).toEqual([]);
    expect(check({ ssh: [{ host: 'nas.lan', user: 'admin' }] })).toHaveLength(1);
    expect(check({ ssh: [{ host: 'nas.lan', port: 2222 }] })).toHaveLength(1);
    expect(check({ ssh: [{ host: '127.0.0.1' }] })).toHaveLength(1);
    expect(check({ ssh: [{ host: 'other' }] })[0]).toContain('ssh target other');
  });

  it('matches kube contexts exactly and honours namespace wildcards', () => {
    expect(check({ kube: [{ context: 'home', namespace: 'media' }, { namespace: 'anything' }] })).toEqual([]);
    expect(check({ kube: [{ context: 'home', namespace: 'kube-system' }] })).toEqual([
      'kube target home/kube-system is not allowed by the agent policy',
    ]);
    expect(check({ kube: [{ context: 'work', namespace: 'media' }] })).toHaveLength(1);
  });

  it('normalises nomad addresses and checks namespaces and token env names', () => {
    expect(normaliseAddress('HTTP://127.0.0.1:4646/')).toBe('http://127.0.0.1:4646');
    expect(normaliseAddress('https://nomad.lan')).toBe('https://nomad.lan:443');
    expect(check({ nomad: [{ address: 'http://127.0.0.1:4646', namespace: 'media', tokenEnv: 'NOMAD_TOKEN' }] })).toEqual([]);
    expect(check({ nomad: [{ address: 'http://127.0.0.1:4647' }] })).toHaveLength(1);
    expect(check({ nomad: [{ address: 'http://127.0.0.1:4646', namespace: 'prod' }] })).toHaveLength(1);
    // A job may not make the agent read arbitrary env vars (e.g. its own token) into a header.
    expect(check({ nomad: [{ address: 'http://127.0.0.1:4646', tokenEnv: 'PLEXOPS_AGENT_TOKEN' }] })).toHaveLength(1);
  });

  it('reports every violation at once', () => {
    expect(check({ ssh: [{ host: 'a' }, { host: 'b' }], kube: [{ context: 'x', namespace: 'y' }] })).toHaveLength(3);
  });

  it('loads files: missing → deny-all, malformed → clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    expect(await loadPolicy(join(dir, 'nope.json'))).toEqual({ policy: DENY_ALL, missing: true });
    await writeFile(join(dir, 'bad.json'), '{ not json');
    await expect(loadPolicy(join(dir, 'bad.json'))).rejects.toThrow(PolicyError);
    await writeFile(join(dir, 'bad2.json'), JSON.stringify({ ssh: [{ host: '-oProxyCommand=x' }] }));
    await expect(loadPolicy(join(dir, 'bad2.json'))).rejects.toThrow(/invalid/);
    await writeFile(join(dir, 'extra.json'), JSON.stringify({ shell: true }));
    await expect(loadPolicy(join(dir, 'extra.json'))).rejects.toThrow(PolicyError);
    await writeFile(join(dir, 'ok.json'), JSON.stringify({ ssh: [{ host: 'nas' }] }));
    expect((await loadPolicy(join(dir, 'ok.json'))).policy.ssh[0]).toEqual({ host: 'nas', hostKeys: 'strict' });
  });
});
