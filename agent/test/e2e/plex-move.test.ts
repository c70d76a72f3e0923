/**
 * plex-to-kubernetes through the Worker and the real daemon: the job waits at the approval with the source
 * untouched (cancelling it there changes nothing), and once approved it moves Plex into the pms-docker pod with
 * the same identity, progress reported, and the report as output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plexTarget } from '../hosts/plex/target';
import { sleep, startE2E, stopAgent, type E2E } from './harness';

describe('plex-to-kubernetes end to end (worker + daemon + Plex host + kube sim)', () => {
  let e: E2E;
  let statefulSet: string;
  beforeAll(async () => {
    e = await startE2E({}, { plex: { sizeBytes: 4 << 20 } });
    ({ statefulSet } = await plexTarget(e.kube, e.plex!.fixture));
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });
  const params = () => ({
    source: { host: '127.0.0.1', port: e.plex!.sshd.port, user: 'root' },
    target: { context: 'sim', namespace: 'media' },
    pathMap: [{ from: '/mnt/nas-plex', to: '/media/library' }, { from: '/mnt/nas-plex-optimized', to: '/media/optimized' }],
    overwrite: 'move-aside',
  });

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
      expect((await e.plex!.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
      expect((await e.h.admin(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
      await e.waitFor(id, (j) => j.status === 'cancelled', 30_000);
      expect((await e.plex!.exec('systemctl is-active plexmediaserver')).stdout).toBe('active\n');
      expect(e.kube.store.statefulsets.get('media', statefulSet)!.spec.replicas ?? 1).toBe(1);
    } finally {
      await stopAgent(p);
    }
  }, 300_000);

  it('approved, it moves Plex with the same identity and reports', async () => {
    const a = await e.enroll(['plex2']);
    const p = await a.start();
    try {
      const id = await e.h.createJob('plex-to-kubernetes', params(), ['plex2']);
      await e.waitFor(id, (j) => j.status === 'awaiting_approval', 180_000);
      expect((await e.h.admin(`/jobs/${id}/approve`, { json: { step: 3 } })).status).toBe(200);
      const job = await e.waitFor(id, (j) => ['succeeded', 'failed', 'needs_attention'].includes(j.status), 420_000);
      const logs = await e.logs(id);
      expect(job.status, logs.slice(-3000)).toBe('succeeded');
      expect(logs).toContain(`answers /identity as ${e.plex!.fixture.processedMachineIdentifier}`);
      expect(logs).not.toContain(e.plex!.fixture.token);
      expect(logs).toMatch(/report: moved \d+ bytes/);
      expect((await e.plex!.exec('systemctl is-active plexmediaserver')).stdout).toBe('inactive\n');
    } finally {
      await stopAgent(p);
    }
  }, 600_000);
});
