import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireEnrolled, resolveConfigDir, writeEnrolled } from '../../src/config';

describe('agent config', () => {
  it('resolves the config dir: override, XDG, then ~/.config', () => {
    expect(resolveConfigDir({ PLEXOPS_AGENT_CONFIG_DIR: '/x', XDG_CONFIG_HOME: '/y', HOME: '/h' })).toBe('/x');
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/y', HOME: '/h' })).toBe('/y/plexops-agent');
    expect(resolveConfigDir({ HOME: '/h' })).toBe('/h/.config/plexops-agent');
  });

  it('writes config.json with mode 0600 and env vars override its fields', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    const path = await writeEnrolled(dir, {
      server: 'http://127.0.0.1:1',
      agentId: 'agt_1',
      token: 'tok_0123456789abcdef',
      name: 'nas',
      tags: ['home'],
      enrolledAt: 'now',
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const cfg = await loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_TAGS: 'a, b', PLEXOPS_AGENT_HEARTBEAT_MS: '5000' });
    expect(cfg).toMatchObject({ server: 'http://127.0.0.1:1', token: 'tok_0123456789abcdef', tags: ['a', 'b'], heartbeatMs: 5000, policyPath: join(dir, 'policy.json'), stateDir: join(dir, 'state') });
    expect(requireEnrolled(cfg).token).toBe('tok_0123456789abcdef');
  });

  it('fails fast with a clear message on bad values and broken files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    await expect(loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_HEARTBEAT_MS: 'soon' })).rejects.toThrow(/heartbeatMs/);
    await expect(loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_LOG_LEVEL: 'loud' })).rejects.toThrow(ConfigError);
    await writeFile(join(dir, 'config.json'), '{"server":');
    await expect(loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir })).rejects.toThrow(/not valid JSON/);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ server: 'nope' }));
    await expect(loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir })).rejects.toThrow(/is invalid/);
  });

  it('refuses to run unenrolled with the command to fix it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    const cfg = await loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir });
    expect(() => requireEnrolled(cfg)).toThrow(/plexops-agent enroll --server URL --code CODE/);
  });
});

describe('server URLs', () => {
  it('accepts https anywhere and http only for loopback', async () => {
    const { serverUrlProblem } = await import('../../src/server-url');
    for (const ok of ['https://plexops.example.com', 'https://10.0.0.5:8443/', 'http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787', 'http://127.1.2.3'])
      expect(serverUrlProblem(ok)).toBeUndefined();
    expect(serverUrlProblem('http://plexops.example.com')).toMatch(/must use https:\/\/.*only for this machine/);
    expect(serverUrlProblem('http://192.168.1.10:8787')).toMatch(/must use https/);
    expect(serverUrlProblem('http://localhost.evil.example')).toMatch(/must use https/);
    expect(serverUrlProblem('ftp://h')).toMatch(/https/);
    expect(serverUrlProblem('https://u:p@h')).toMatch(/credentials/);
    expect(serverUrlProblem('not a url')).toMatch(/not a URL/);
  });

  it('refuses a config whose server is plain http to another host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    await expect(loadConfig({ PLEXOPS_AGENT_CONFIG_DIR: dir, PLEXOPS_AGENT_SERVER: 'http://nas.lan:8787' })).rejects.toThrow(/must use https/);
  });
});
