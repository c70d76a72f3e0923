/**
 * plex-to-kubernetes through the Worker and the real daemon: the job waits at the approval with the source
 * untouched (cancelling it there changes nothing); cancelled during the transfer it removes its partial copy
 * and the rollback (also through the worker) brings the source back with its identity; approved, with the
 * daemon SIGKILLed mid-transfer and restarted, the transfer runs again and the job completes — same identity,
 * the library folders moved through the Plex API with the token stored in Settings (which the worker adds to
 * the agent's claim only), progress reported, the report as output.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plexTarget } from '../hosts/plex/target';
import { chartFullname } from '../hosts/plex/pms-docker';
import { SECRETS_KEY } from '../../../worker/test/node/plex/harness';
import { sleep, startE2E, stopAgent, type E2E } from './harness';

const STS = chartFullname('plex');
const TERMINAL = ['succeeded', 'failed', 'needs_attention', 'cancelled'];

describe('plex-to-kubernetes end to end (worker + daemon + Plex host + kube sim)', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E({ SECRETS_KEY }, { plex: { sizeBytes: 4 << 20 } });
    await plexTarget(e.kube, e.plex!.fixture);
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });
  const source = () => ({ host: '127.0.0.1', port: e.plex!.sshd.port, user: 'root' });
  const params = (more: Record<string, unknown> = {}) => ({
    source: source(),
    target: { context: 'sim', namespace: 'media' },
    pathMap: [{ from: '/mnt/nas-plex', to: '/media/library' }, { from: '/mnt/nas-plex-optimized', to: '/media/optimized' }],
    overwrite: 'move-aside',
    ...more,
  });
  const pvcDir = () => e.kube.fs.pvcDir('media', `pms-config-${STS}-0`);
  const sourceState = async () => (await e.plex!.exec('systemctl is-active plexmediaserver; systemctl is-enabled plexmediaserver')).stdout;
  const approve = async (id: string, step: number) => expect((await e.h.admin(`/jobs/${id}/approve`, { json: { step } })).status).toBe(200);
  /** The transfer step is running and has moved bytes (a throttled link keeps it there for a while). */
  const midTransfer = (j: any) => j.steps[5]?.status === 'running' && j.progress?.stepIndex === 5 && (j.progress?.done ?? 0) > 0;

  it('waits for approval before stopping the source; cancelled there, nothing changed', async () => {
    const a = await e.enroll(['plex']);
    const p = await a.start();
    try {
      const id = await e.h.createJob('plex-to-kubernetes', params(), ['plex']);
      await e.waitFor(id, (j) => j.status === 'awaiting_approval', 180_000);
      await sleep(500);
      const job = await e.job(id);
      expect(job.steps.slice(0, 3).map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(job.steps[3].status).toBe('awaiting_approval');
      expect(job.steps[10].needsApproval).toBe(false); // no Plex token: the library step only writes the guide
      expect(await sourceState()).toBe('active\nenabled\n');
      expect((await e.h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
      await e.waitFor(id, (j) => j.status === 'cancelled', 30_000);
      expect(await sourceState()).toBe('active\nenabled\n');
      expect(e.kube.store.statefulsets.get('media', STS)!.spec.replicas ?? 1).toBe(1);
    } finally {
      await stopAgent(p);
    }
  }, 300_000);

  it('cancelled during the transfer: the partial copy is removed, and the rollback brings the source back with its identity', async () => {
    writeFileSync(join(pvcDir(), '.fault-throttle'), String(256 * 1024));
    const a = await e.enroll(['plex-cancel']);
    const p = await a.start();
    try {
      const id = await e.h.createJob('plex-to-kubernetes', params(), ['plex-cancel']);
      await e.waitFor(id, (j) => j.status === 'awaiting_approval', 180_000);
      await approve(id, 3);
      await e.waitFor(id, midTransfer, 240_000);
      expect((await e.h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
      const job = await e.waitFor(id, (j) => TERMINAL.includes(j.status), 60_000);
      expect(job.status).toBe('cancelled');
      expect(await e.logs(id)).toMatch(/cancel: stopping both sides of the pipe[^]*rm -rf [^\n]*\.plexops-partial\*[^]*the partial copy on the PVC was removed/);
      const left = readdirSync(pvcDir());
      expect(left.filter((f) => f.startsWith('.plexops-partial'))).toEqual([]);
      expect(left).not.toContain('Library');
      expect(await sourceState()).toBe('inactive\ndisabled\n');

      const back = await e.h.createJob('plex-to-kubernetes-rollback', { source: source(), target: { context: 'sim', namespace: 'media' }, machineIdentifier: e.plex!.fixture.processedMachineIdentifier }, ['plex-cancel']);
      await e.waitFor(back, (j) => j.status === 'awaiting_approval', 60_000);
      await approve(back, 0);
      const rb = await e.waitFor(back, (j) => TERMINAL.includes(j.status), 180_000);
      expect(rb.status, (await e.logs(back)).slice(-2000)).toBe('succeeded');
      expect(await e.logs(back)).toContain(`is back as ${e.plex!.fixture.processedMachineIdentifier}`);
      expect(await sourceState()).toBe('active\nenabled\n');
      expect(e.kube.store.pods.get('media', `${STS}-plexops-helper`)).toBeUndefined();
    } finally {
      await stopAgent(p);
    }
  }, 600_000);

  it('approved, the daemon SIGKILLed mid-transfer and restarted: the transfer runs again and the job completes; library folders moved with the stored Plex token', async () => {
    const fx = e.plex!.fixture;
    expect((await e.h.admin('/plex/config', { method: 'PUT', json: { plexToken: fx.token } })).status).toBeLessThan(300);
    writeFileSync(join(pvcDir(), '.fault-throttle'), String(256 * 1024));
    const a = await e.enroll(['plex-kill']);
    const first = await a.start();
    const id = await e.h.createJob('plex-to-kubernetes', params({ libraryPaths: { useStoredPlexToken: true } }), ['plex-kill']);
    let second: Awaited<ReturnType<typeof a.start>> | undefined;
    try {
      await e.waitFor(id, (j) => j.status === 'awaiting_approval', 180_000);
      await approve(id, 3);
      await e.waitFor(id, midTransfer, 240_000);
      process.kill(first.child.pid!, 'SIGKILL');
      await first.exited;
      rmSync(join(pvcDir(), '.fault-throttle'));
      second = await a.start();
      await e.waitFor(id, (j) => j.status === 'awaiting_approval' || TERMINAL.includes(j.status), 420_000);
      const waiting = await e.job(id);
      expect(waiting.status, (await e.logs(id)).slice(-3000)).toBe('awaiting_approval');
      expect(waiting.steps[10]).toMatchObject({ id: 'library-paths', status: 'awaiting_approval', needsApproval: true });
      await approve(id, 10);
      const job = await e.waitFor(id, (j) => TERMINAL.includes(j.status), 420_000);
      const logs = await e.logs(id);
      expect(job.status, logs.slice(-3000)).toBe('succeeded');
      expect(logs.match(/--- step 6\/12 transfer/g)?.length).toBe(2); // ran again after the kill
      expect(logs).toContain(`answers /identity as ${fx.processedMachineIdentifier}`);
      for (const s of fx.sections) expect(logs).toMatch(new RegExp(`library "${s.name}": ([1-9]\\d*) item\\(s\\) before, \\1 after, all at the new folders`));
      expect(logs).toMatch(/report: moved \d+ bytes/);
      expect(job.steps.at(-1).outputs.report.source.machineIdentifier).toBe(fx.processedMachineIdentifier);
      // The token reached the agent in its claim only: never in the job, its log or its outputs.
      expect(logs).not.toContain(fx.token);
      expect(JSON.stringify(job)).not.toContain(fx.token);
      expect(job.params.libraryPaths).toEqual({ useStoredPlexToken: true, scanTimeoutSeconds: 1800 });
      const row = await e.h.db.raw.query('SELECT params::text AS p FROM jobs WHERE id = $1', [id]);
      expect(row.rows[0].p).not.toContain(fx.token);
      expect(await sourceState()).toBe('inactive\ndisabled\n');
      expect(existsSync(join(pvcDir(), 'Library'))).toBe(true);
    } finally {
      await stopAgent(first);
      if (second) await stopAgent(second);
    }
  }, 900_000);
});
