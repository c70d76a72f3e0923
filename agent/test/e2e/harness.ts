/**
 * @module
 * End-to-end harness: the real Worker in workerd + Postgres (worker/test/support/jobs-fixtures),
 * the real bundled agent daemon as a child process, enrolled through the admin API and the CLI,
 * plus a real sshd, the kube simulator (real kubectl) and the Nomad simulator.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJobsHarness, type JobsHarness } from '../../../worker/test/support/jobs-fixtures';
import { startKubeSim, type KubeSim } from '../sims/kube/index';
import { startNomadSim, type NomadSim } from '../sims/nomad/index';
import { killAll, runAgent, startAgent, type AgentProc } from '../support/agent-bin';
import { startSshd, type TestSshd } from '../support/sshd';

export const NOMAD_TOKEN = 'nomad-e2e-token-5d1c0b7a';

export interface E2E {
  h: JobsHarness;
  sshd: TestSshd;
  kube: KubeSim;
  nomad: NomadSim;
  policy(): unknown;
  /** Enrolls a fresh agent (own config dir, given tags) through the CLI. */
  enroll(tags: string[], opts?: { server?: string; bin?: string }): Promise<Agent>;
  job(id: string): Promise<any>;
  waitFor(id: string, pred: (job: any) => boolean, timeoutMs?: number): Promise<any>;
  logs(id: string): Promise<string>;
  close(): Promise<void>;
}

export interface Agent {
  dir: string;
  env: Record<string, string>;
  agentId: string;
  token: string;
  start(bin?: string): Promise<AgentProc>;
}

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startE2E(vars: Record<string, string> = {}): Promise<E2E> {
  const [h, sshd, kube, nomad] = await Promise.all([
    startJobsHarness({ AGENT_LEASE_TTL_MS: '6000', AGENT_WAIT_MS: '2000', ...vars }),
    startSshd(),
    startKubeSim({ namespaces: ['media'] }),
    startNomadSim({ aclToken: NOMAD_TOKEN, namespaces: ['media'] }),
  ]);
  const policy = () => ({
    ssh: [{ host: '127.0.0.1', port: sshd.port, users: [sshd.user] }],
    kube: [{ context: 'sim', namespaces: ['media'] }],
    nomad: [{ address: nomad.url, namespaces: ['default', 'media'] }],
  });
  const e: E2E = {
    h,
    sshd,
    kube,
    nomad,
    policy,
    async enroll(tags, opts = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'agent-e2e-'));
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        PLEXOPS_AGENT_CONFIG_DIR: dir,
        PLEXOPS_AGENT_SSH_CONFIG: sshd.clientConfig,
        PLEXOPS_AGENT_TARGET_TIMEOUT_MS: '10000',
        PLEXOPS_AGENT_BACKOFF_MIN_MS: '100',
        PLEXOPS_AGENT_BACKOFF_MAX_MS: '800',
        PLEXOPS_AGENT_CANCEL_GRACE_MS: '2000',
        PLEXOPS_AGENT_LOG_LEVEL: 'debug',
        NOMAD_TOKEN,
        ...kube.env,
      };
      const code = await h.admin('/agents/enrollments', { json: { tags } });
      if (code.status !== 201) throw new Error(`enrollment code: ${code.status}`);
      const r = await runAgent(
        ['enroll', '--server', opts.server ?? h.server.url, '--code', code.body.code, '--name', `e2e-${tags.join('-')}`, '--tags', tags.join(',')],
        env,
        30_000,
        opts.bin,
      );
      if (r.code !== 0) throw Object.assign(new Error(`enroll exited ${r.code}: ${r.stderr}`), { result: r });
      await writeFile(join(dir, 'policy.json'), JSON.stringify(policy()));
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { agentId: string; token: string };
      return { dir, env, agentId: cfg.agentId, token: cfg.token, start: (bin) => startAgent(['run'], env, 120_000, bin) };
    },
    async job(id) {
      const r = await h.admin(`/jobs/${id}`);
      if (r.status !== 200) throw new Error(`GET job ${id}: ${r.status}`);
      return r.body;
    },
    async waitFor(id, pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < deadline) {
        last = await e.job(id);
        if (pred(last)) return last;
        await sleep(100);
      }
      throw new Error(`job ${id} did not reach the expected state; last: ${JSON.stringify({ status: last?.status, steps: last?.steps })}`);
    },
    async logs(id) {
      let after = -1;
      let out = '';
      for (;;) {
        const r = await h.admin(`/jobs/${id}/logs?after=${after}&limit=1000`);
        for (const c of r.body.chunks) out += c.data;
        if (r.body.chunks.length === 0) return out;
        after = r.body.nextAfter;
      }
    },
    async close() {
      killAll();
      await Promise.all([h.close(), sshd.stop(), kube.close(), nomad.close()]);
    },
  };
  return e;
}

/** Pids the daemon reported spawning (debug log). */
export function spawnedPids(stderr: string): number[] {
  return [...stderr.matchAll(/spawned pid (\d+)/g)].map((m) => Number(m[1]));
}

/**
 * Whether `pid` is still running. A zombie has exited and only waits to be reaped — by whatever
 * adopted it once its daemon was killed, which may be a PID 1 that reaps late — so it counts as dead.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Stops the daemon with SIGTERM (graceful) and waits for it to exit. */
export async function stopAgent(p: AgentProc): Promise<number | null> {
  if (p.child.exitCode !== null) return p.child.exitCode;
  p.child.kill('SIGTERM');
  const r = await Promise.race([p.exited, sleep(15_000).then(() => null)]);
  if (!r) {
    p.child.kill('SIGKILL');
    return null;
  }
  return r.code;
}
