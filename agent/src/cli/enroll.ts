/**
 * @module
 * `enroll`: trade a one-time code for a per-agent token, write config.json (0600) and, if there
 * is none yet, a deny-all policy.json the operator then fills in.
 */
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AgentClient } from '../client';
import { resolveConfigDir, splitTags, writeEnrolled, type Env } from '../config';
import { serverUrlProblem } from '../server-url';
import { AGENT_VERSION } from '../version';
import type { Io } from './io';
import type { Parsed } from './args';
import { join } from 'node:path';

export async function enrollCommand(p: Parsed, env: Env, io: Io, fetchImpl?: typeof fetch): Promise<number> {
  const { server, code } = p.values;
  if (!server || !code) {
    io.err('enroll needs --server URL and --code CODE (create a code in the admin: Agents → Enroll)');
    return 64;
  }
  const problem = serverUrlProblem(server);
  if (problem) {
    io.err(`--server: ${problem}`);
    return 64;
  }
  const url = new URL(server);
  const name = p.values.name ?? hostname();
  const tags = splitTags(p.values.tags ?? '');
  const client = new AgentClient({ server: url.toString(), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const res = await client.enroll({ code, name, tags, version: AGENT_VERSION, hostname: hostname() });
  const configDir = p.values['config-dir'] ?? resolveConfigDir(env);
  const path = await writeEnrolled(configDir, {
    server: url.toString().replace(/\/+$/, ''),
    agentId: res.agentId,
    token: res.token,
    name,
    tags,
    enrolledAt: new Date().toISOString(),
  });
  io.out(`enrolled as ${res.agentId} (${name}${tags.length ? `, tags ${tags.join(',')}` : ''})`);
  io.out(`config written to ${path} (mode 0600)`);
  const policyPath = p.values.policy ?? env.PLEXOPS_AGENT_POLICY ?? join(configDir, 'policy.json');
  try {
    await writeFile(policyPath, `${JSON.stringify({ ssh: [], kube: [], nomad: [] }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    io.out(`wrote a deny-all policy to ${policyPath}: list the SSH hosts, kube namespaces and Nomad addresses jobs may touch`);
  } catch {
    io.out(`policy: ${policyPath} (kept as is)`);
  }
  io.out('next: plexops-agent doctor, then plexops-agent run');
  return 0;
}
