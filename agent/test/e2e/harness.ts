/**
 * @module
 * End-to-end harness: the real Worker in workerd + Postgres (worker/test/support/jobs-fixtures),
 * the real bundled agent daemon as a child process, enrolled through the admin API and the CLI,
 * plus a real sshd, the kube simulator (real kubectl) and the Nomad simulator.
 * With `{ plex: {...} }` it also starts a Plex source host (hosts/plex/host.ts: a sandboxed Ubuntu-like VM
 * with Plex, reachable with the same ssh client config as root on its own port, allowed by the policy) and
 * lets the kube simulator run plexinc/pms-docker images (hosts/plex/pms-docker.ts) with the fault layer
 * (hosts/plex/faults.ts: a throttled or corrupting tar, switched by files on the config PVC).
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJobsHarness, type JobsHarness } from '../../../worker/test/support/jobs-fixtures';
import { startKubeSim, type KubeSim } from '../sims/kube/index';
import { startNomadSim, type NomadSim } from '../sims/nomad/index';
import { killAll, runAgent, startAgent, type AgentProc } from '../support/agent-bin';
import { startSshd, type TestSshd } from '../support/sshd';
import { startPlexHost, type PlexHost, type PlexHostOptions } from '../hosts/plex/host';
import { pmsDockerImages } from '../hosts/plex/pms-docker';
import { faultLayer, withFaults } from '../hosts/plex/faults';

export const NOMAD_TOKEN = 'nomad-e2e-token-5d1c0b7a';

export interface E2E {
  h: JobsHarness;
  sshd: TestSshd;
  kube: KubeSim;
  nomad: NomadSim;
  /** The Plex source host, when asked for. */
  plex?: PlexHost;
  policy(): unknown;
  /** Enrolls a fresh agent (own config dir, given tags) through the CLI. */
  /** `env` and `policy` replace the defaults' extra variables and policy (other test hosts). */
  enroll(tags: string[], opts?: { server?: string; bin?: string; env?: Record<string, string>; policy?: unknown }): Promise<Agent>;
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

export async function startE2E(vars: Record<string, string> = {}, opts: { plex?: PlexHostOptions } = {}): Promise<E2E> {
  const images = opts.plex ? await mkdtemp(join(tmpdir(), 'e2e-images-')) : undefined;
  const [h, sshd, kube, nomad] = await Promise.all([
    startJobsHarness({ AGENT_LEASE_TTL_MS: '6000', AGENT_WAIT_MS: '2000', ...vars }),
    startSshd(),
    startKubeSim({ namespaces: ['media'], ...(images ? { images: withFaults(pmsDockerImages(images), faultLayer(images)) } : {}) }),
    startNomadSim({ aclToken: NOMAD_TOKEN, namespaces: ['media'] }),
  ]);
  const plex = opts.plex ? await startPlexHost({ ...opts.plex, sshKeysFrom: sshd.dir }) : undefined;
  if (plex) await appendFile(sshd.knownHosts, `${plex.knownHostsLine}\n`);
  const policy = () => ({
    ssh: [{ host: '127.0.0.1', port: sshd.port, users: [sshd.user] }, ...(plex ? [{ host: '127.0.0.1', port: plex.sshd.port, users: ['root'] }] : [])],
    kube: [{ context: 'sim', namespaces: ['media'] }],
    nomad: [{ address: nomad.url, namespaces: ['default', 'media'] }],
  });
  const e: E2E = {
    h,
    sshd,
    kube,
    nomad,
    ...(plex ? { plex } : {}),
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
        ...opts.env,
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
      await writeFile(join(dir, 'policy.json'), JSON.stringify(opts.policy ?? policy()));
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
      await Promise.all([h.close(), sshd.stop(), kube.close(), nomad.close(), plex?.stop()]);
      if (images) await rm(images, { recursive: true, force: true });
    },
  };
  return e;
}

/** Pids the daemon reported spawning (debug log). */
export function spawnedPids(stderr: string): number[] {
  return [...stderr.matchAll(/spawned pid (\d+)/g)].map((m) => Number(m[1]));
}

export { alive } from '../support/processes';

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
