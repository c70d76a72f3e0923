/**
 * `plexops-agent exec job.json` end to end with real parts: the bundled CLI, a real OpenSSH
 * server on loopback, the real kubectl against the Kubernetes API simulator, and the Nomad API
 * simulator.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '../sims/kube/index';
import { startNomadSim, type NomadSim } from '../sims/nomad/index';
import { agentBundle, killAll, runAgent } from '../support/agent-bin';
import { spawnSync } from 'node:child_process';
import { startSshd, type TestSshd } from '../support/sshd';

const NOMAD_TOKEN = 'nomad-mgmt-token-7f3a9c2e';
let sshd: TestSshd;
let kube: KubeSim;
let nomad: NomadSim;
let dir: string;
let env: Record<string, string>;
let sshMarkerBin: string;

async function writeJson(name: string, value: unknown): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, JSON.stringify(value));
  return p;
}

async function setPolicy(policy: unknown) {
  await writeJson('policy.json', policy);
}

const basePolicy = () => ({
  ssh: [{ host: '127.0.0.1', port: sshd.port, users: [sshd.user] }],
  kube: [{ context: 'sim', namespaces: ['media', 'default'] }, { namespaces: ['media'] }],
  nomad: [{ address: nomad.url, namespaces: ['default', 'media'] }],
});

const allTargets = () => ({
  kind: 'connectivity-check',
  params: {
    ssh: [{ host: '127.0.0.1', port: sshd.port, user: sshd.user }],
    kube: [{ context: 'sim', namespace: 'media' }, { namespace: 'media' }],
    nomad: [{ address: nomad.url, namespace: 'media', tokenEnv: 'NOMAD_TOKEN' }],
  },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-exec-'));
  [sshd, kube, nomad] = await Promise.all([
    startSshd(),
    startKubeSim({ namespaces: ['media'] }),
    startNomadSim({ aclToken: NOMAD_TOKEN, namespaces: ['media'] }),
  ]);
  // Stands in for ssh in tests that must prove ssh never ran.
  sshMarkerBin = join(dir, 'fake-ssh');
  await writeFile(sshMarkerBin, `#!/bin/sh\ntouch ${join(dir, 'ssh-was-run')}\nexit 0\n`);
  await chmod(sshMarkerBin, 0o755);
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    PLEXOPS_AGENT_CONFIG_DIR: dir,
    PLEXOPS_AGENT_SSH_CONFIG: sshd.clientConfig,
    PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '10000',
    NOMAD_TOKEN,
    ...kube.env,
  };
}, 60_000);

afterAll(async () => {
  killAll();
  await Promise.all([sshd?.stop(), kube?.close(), nomad?.close()]);
});

describe('exec connectivity-check (real ssh, kubectl, Nomad API)', () => {
  it('checks every target and reports versions', async () => {
    await setPolicy(basePolicy());
    const r = await runAgent(['exec', await writeJson('job.json', allTargets())], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`ssh ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}: Linux `));
    expect(r.stdout).toMatch(/kube sim\/media: server v1\.\d+\.\d+.*can list pods in media/);
    expect(r.stdout).toMatch(/kube \(current context\)\/media: server v1\./);
    expect(r.stdout).toMatch(/nomad .* leader 127\.0\.0\.1:4647, version \d+\.\d+\.\d+, namespace media readable/);
    expect(r.stdout).toContain('step nomad succeeded');
    // The token went to Nomad, never into the log.
    expect(nomad.requests.some((q) => q.path === '/v1/agent/self' && q.token === NOMAD_TOKEN)).toBe(true);
    expect(r.stdout).not.toContain(NOMAD_TOKEN);
  });

  it('--dry-run prints every command and runs nothing', async () => {
    await setPolicy(basePolicy());
    const kubeBefore = kube.requests.length;
    const nomadBefore = nomad.requests.length;
    const r = await runAgent(['exec', await writeJson('job.json', allTargets()), '--dry-run'], { ...env, PLEXOPS_AGENT_SSH: sshMarkerBin });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`$ ${sshMarkerBin} -F ${sshd.clientConfig} -T -o BatchMode=yes -o StrictHostKeyChecking=yes`);
    expect(r.stdout).toContain(`-- 127.0.0.1 uname -a`);
    expect(r.stdout).toContain('$ kubectl --context=sim --request-timeout=10s version -o json');
    expect(r.stdout).toContain('$ kubectl --context=sim --request-timeout=10s auth can-i list pods --namespace=media');
    expect(r.stdout).toContain(`GET ${nomad.url}/v1/status/leader (with X-Nomad-Token)`);
    expect(r.stdout).toContain(`GET ${nomad.url}/v1/namespace/media (with X-Nomad-Token)`);
    expect(r.stdout).not.toContain(NOMAD_TOKEN);
    expect(existsSync(join(dir, 'ssh-was-run'))).toBe(false);
    expect(kube.requests.length).toBe(kubeBefore);
    expect(nomad.requests.length).toBe(nomadBefore);
  });

  it('refuses a job naming an unlisted host at its first step, before touching anything', async () => {
    await setPolicy(basePolicy());
    const kubeBefore = kube.requests.length;
    const job = allTargets();
    job.params.ssh.push({ host: '127.0.0.1', port: 1, user: sshd.user });
    const r = await runAgent(['exec', await writeJson('job.json', job)], { ...env, PLEXOPS_AGENT_SSH: sshMarkerBin });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`refused by the agent policy: ssh target ${sshd.user}@127.0.0.1:1 is not allowed by the agent policy`);
    expect(r.stdout).not.toContain('--- step');
    expect(existsSync(join(dir, 'ssh-was-run'))).toBe(false);
    expect(kube.requests.length).toBe(kubeBefore);
  });

  it('with no policy file every target is denied', async () => {
    const r = await runAgent(['exec', await writeJson('job.json', allTargets())], { ...env, PLEXOPS_AGENT_POLICY: join(dir, 'absent.json') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no policy file');
    expect(r.stdout).toContain('refused by the agent policy');
  });

  it('never accepts an unknown host key unless the policy says accept-new', async () => {
    const job = { kind: 'connectivity-check', params: { ssh: [{ host: '127.0.0.1', port: sshd.port, user: sshd.user }] } };
    const unknownEnv = { ...env, PLEXOPS_AGENT_SSH_CONFIG: sshd.clientConfigUnknownHost };
    await setPolicy(basePolicy());
    const strict = await runAgent(['exec', await writeJson('job.json', job)], unknownEnv);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/Host key verification failed/);
    expect(await readFile(join(sshd.dir, 'known_hosts_empty'), 'utf8')).toBe('');

    await setPolicy({ ...basePolicy(), ssh: [{ host: '127.0.0.1', port: sshd.port, users: [sshd.user], hostKeys: 'accept-new' }] });
    const accepting = await runAgent(['exec', await writeJson('job.json', job)], unknownEnv);
    expect(accepting.code).toBe(0);
    expect(await readFile(join(sshd.dir, 'known_hosts_empty'), 'utf8')).toContain(`[127.0.0.1]:${sshd.port}`);
  });

  it('fails clearly on a missing namespace and a wrong Nomad token, checking every target', async () => {
    await setPolicy({ ...basePolicy(), kube: [{ context: 'sim', namespaces: ['*'] }] });
    const job = {
      kind: 'connectivity-check',
      params: { kube: [{ context: 'sim', namespace: 'nope' }, { context: 'sim', namespace: 'media' }], nomad: [{ address: nomad.url }] },
    };
    const r = await runAgent(['exec', await writeJson('job.json', job)], { ...env, NOMAD_TOKEN: 'wrong-token-123456' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/kube sim\/nope: .*no access to namespace nope/);
    expect(r.stdout).toMatch(/kube sim\/media: server .*can list pods/);
    expect(r.stdout).toContain('1 of 2 kube target(s) failed');
    // The job stops at the failed step: Nomad is not reached.
    expect(r.stdout).not.toContain('--- step 3/3');
    await setPolicy(basePolicy());
    const n = await runAgent(['exec', await writeJson('job.json', { kind: 'connectivity-check', params: { nomad: [{ address: nomad.url }] } })], {
      ...env,
      NOMAD_TOKEN: 'wrong-token-123456',
    });
    expect(n.code).toBe(1);
    expect(n.stdout).toMatch(/nomad .*FAILED: HTTP 403/);
    expect(n.stdout).not.toContain('wrong-token-123456');
  });

  it('rejects unknown kinds and hostile params without running anything', async () => {
    await setPolicy(basePolicy());
    const a = await runAgent(['exec', await writeJson('job.json', { kind: 'shell', params: { cmd: 'id' } })], env);
    expect(a.code).toBe(1);
    expect(a.stdout).toContain('this agent cannot run job kind "shell"');
    const b = await runAgent(['exec', await writeJson('job.json', { kind: 'connectivity-check', params: { ssh: [{ host: '-oProxyCommand=touch /tmp/x' }] } })], {
      ...env,
      PLEXOPS_AGENT_SSH: sshMarkerBin,
    });
    expect(b.code).toBe(1);
    expect(b.stdout).toContain('invalid params: params.ssh.0.host');
    expect(existsSync(join(dir, 'ssh-was-run'))).toBe(false);
    const c = await runAgent(['exec', join(dir, 'missing.json')], env);
    expect(c.code).toBe(64);
  });

  it('redacts secret params and secret env values from the output', async () => {
    const secret = 'correct-horse-battery-staple';
    const r = await runAgent(['exec', await writeJson('job.json', { kind: 'agent-selftest', params: { lines: 2, secret } })], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the secret param is: [REDACTED]');
    expect(r.stdout).not.toContain(secret);
  });

  it('shows step progress as plain lines when the output is not a terminal', async () => {
    const r = await runAgent(['exec', await writeJson('job.json', { kind: 'agent-selftest', params: { lines: 30, lineDelayMs: 20 } })], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^progress: step 1\/3 emit — 1 of 30 items · 3 %$/m);
    expect(r.stdout).toMatch(/^progress: step 1\/3 emit — 30 of 30 items · 100 %/m);
    expect(r.stdout).not.toContain('\x1b[2K');
  });

  it('a reader that goes away (| head -1) does not crash the command', async () => {
    const bin = await agentBundle();
    const job = await writeJson('job.json', { kind: 'agent-selftest', params: { lines: 20_000 } });
    const r = spawnSync('bash', ['-c', `node "$BIN" exec "$JOB" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
      env: { ...env, BIN: bin, JOB: job },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('status=0');
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('enroll refuses plain http to another host before sending anything', async () => {
    const r = await runAgent(['enroll', '--server', 'http://plexops.lan:8787', '--code', 'ABCDE-FGHJK'], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/must use https:\/\/ — plain http:\/\/ is allowed only for this machine/);
  });

  it('doctor checks ssh, kubectl, Nomad and the policy with PASS/FAIL lines', async () => {
    await setPolicy(basePolicy());
    const r = await runAgent(['doctor'], env);
    expect(r.stdout).toMatch(/^WARN {2}config: not enrolled/m);
    expect(r.stdout).toMatch(/^PASS {2}policy: /m);
    expect(r.stdout).toMatch(/^PASS {2}ssh client: OpenSSH/m);
    expect(r.stdout).toMatch(/^PASS {2}kubectl: client v1\./m);
    expect(r.stdout).toMatch(new RegExp(`^PASS  ssh ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}: Linux`, 'm'));
    expect(r.stdout).toMatch(/^PASS {2}kube sim\/media: server v1\./m);
    expect(r.stdout).toMatch(/^PASS {2}nomad http:\/\/127\.0\.0\.1:\d+: version /m);
    expect(r.code).toBe(0);
    await writeFile(join(dir, 'policy.json'), '{ broken');
    const bad = await runAgent(['doctor'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}policy: policy file .* is not valid JSON/m);
  });

  it('prints version and usage; unknown flags are usage errors', async () => {
    expect((await runAgent(['--version'], env)).stdout).toMatch(/^plexops-agent \d+\.\d+\.\d+ \(agent protocol \d+\)/);
    expect((await runAgent(['--help'], env)).stdout).toContain('exec JOB.json [--dry-run]');
    expect((await runAgent(['exec', '--frobnicate'], env)).code).toBe(64);
    await setPolicy(basePolicy());
    expect((await runAgent(['run'], env)).stderr).toContain('not enrolled');
  });
});
