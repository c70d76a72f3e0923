/**
 * `plexops-agent exec plex-to-kubernetes` when it must stop, with real parts (hosts/plex over real sshd, the
 * real kubectl against the kube simulator running the pms-docker stand-in): the agent policy refuses the host
 * or the namespace (before step one); a DB that fails Plex SQLite's integrity check (before anything is
 * touched); a copy corrupted on the way (caught by the manifest check, the path named, the partial copy
 * removed; this one from a source whose tar is not GNU tar, so the stream takes the agent's counted route)
 * — and the rollback then brings the source back with its identity.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATH_MAP, STS, startPlexExec, type PlexExec } from './plex-exec';

const DB = 'Plug-in Support/Databases/com.plexapp.plugins.library.db';

describe('exec plex-to-kubernetes: what stops it, and what it leaves behind', () => {
  let x: PlexExec;
  beforeAll(async () => {
    x = await startPlexExec('plex-fails-');
  }, 240_000);
  afterAll(async () => {
    await x?.close();
  });
  const params = () => ({ source: x.source(), target: { context: 'sim', namespace: 'media' }, pathMap: PATH_MAP, overwrite: 'move-aside' });
  const sourceState = async () => (await x.host.exec('systemctl is-active plexmediaserver; systemctl is-enabled plexmediaserver')).stdout;
  const writes = (from: number) => x.kube.requests.slice(from).filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`);

  it('refuses a source host the agent policy does not allow, before step one', async () => {
    const from = x.kube.requests.length;
    const r = await x.exec('plex-to-kubernetes', params(), { policy: { ssh: [{ host: '127.0.0.1', port: 1, users: ['root'] }], kube: [{ context: 'sim', namespaces: ['media'] }], nomad: [] } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused by the agent policy: ssh .*127\.0\.0\.1/);
    expect(r.stdout).not.toContain('--- step');
    expect(r.stdout).not.toContain('$ ');
    expect(await sourceState()).toBe('active\nenabled\n');
    expect(x.kube.requests.length).toBe(from);
  }, 120_000);

  it('refuses a namespace the agent policy does not allow, before step one', async () => {
    const from = x.kube.requests.length;
    const r = await x.exec('plex-to-kubernetes', params(), { policy: { ssh: [{ host: '127.0.0.1', port: x.host.sshd.port, users: ['root'] }], kube: [{ context: 'sim', namespaces: ['other'] }], nomad: [] } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused by the agent policy: kube .*media/);
    expect(r.stdout).not.toContain('$ ');
    expect(await sourceState()).toBe('active\nenabled\n');
    expect(x.kube.requests.length).toBe(from);
  }, 120_000);

  it('stops at a DB that fails Plex SQLite\'s integrity check, before the source or the target is touched', async () => {
    const dbDir = `${x.host.fixture.appSupportDir}/Plex Media Server/Plug-in Support/Databases`;
    // Five pages in the middle of the library DB overwritten: Plex SQLite's integrity_check reports them.
    const broke = await x.host.exec(`cd '${dbDir}' && cp -p com.plexapp.plugins.library.db /tmp/library.db.good && python3 -c '
import os
p = "com.plexapp.plugins.library.db"; n = os.path.getsize(p) // 4096
with open(p, "r+b") as f:
    f.seek((n // 2) * 4096); f.write(b"\\xff" * 4096 * 5)
'`);
    expect(broke.code, broke.stderr).toBe(0);
    const from = x.kube.requests.length;
    try {
      const r = await x.exec('plex-to-kubernetes', params());
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('Plex SQLite integrity check of the library DB on the source failed');
      expect(r.stdout).toContain('nothing was changed');
      expect(r.stdout).not.toContain('--- step 4/12 stop-source');
      expect(await sourceState()).toBe('active\nenabled\n');
      expect(writes(from)).toEqual([]);
    } finally {
      await x.host.exec(`cp -p /tmp/library.db.good '${dbDir}/com.plexapp.plugins.library.db'`);
    }
  }, 200_000);

  it('catches a copy corrupted on the way: the path is named, the partial copy removed', async () => {
    writeFileSync(join(x.pvcDir(), '.fault-corrupt'), DB);
    // A tar that does not say it is GNU tar (as busybox's): no progress of its own, so the stream passes
    // through the agent to be counted and hashed — the manifest check holds on that route too.
    const wrapper = `#!/bin/sh\n[ "$1" = --version ] && { echo "tar (busybox) 1.36.1"; exit 0; }\nexec /usr/bin/tar "$@"\n`;
    expect((await x.host.exec(`mkdir -p /usr/local/bin && printf '%s' '${wrapper}' > /usr/local/bin/tar && chmod 755 /usr/local/bin/tar`)).code).toBe(0);
    const r = await x.exec('plex-to-kubernetes', params()).finally(() => x.host.exec('rm -f /usr/local/bin/tar'));
    expect(r.stdout).toContain('source tar: tar (busybox) 1.36.1 (not GNU tar ≥ 1.28: the stream will pass through the agent to be counted)');
    expect(r.code, r.stdout.slice(-3000)).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`step transfer failed: the copy differs from the source at 1 path\\(s\\): ${DB.replace(/\./g, '\\.')}; the partial copy was removed`));
    expect(existsSync(join(x.pvcDir(), '.fault-corrupt'))).toBe(false); // the fault fired
    const left = readdirSync(x.pvcDir());
    expect(left.filter((f) => f.startsWith('.plexops-partial'))).toEqual([]);
    expect(left).not.toContain('Library');
    expect(left.some((f) => f.startsWith('Library.plexops-old-'))).toBe(true); // the fresh install's, moved aside
    expect(await sourceState()).toBe('inactive\ndisabled\n');
  }, 600_000);

  it('rolls back after the failed move: helper pod removed, the source back with its identity', async () => {
    const r = await x.exec('plex-to-kubernetes-rollback', { source: x.source(), target: { context: 'sim', namespace: 'media' }, machineIdentifier: x.host.fixture.processedMachineIdentifier });
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(r.stdout).toContain(`Plex on 127.0.0.1 is back as ${x.host.fixture.processedMachineIdentifier}`);
    expect(await sourceState()).toBe('active\nenabled\n');
    expect(x.kube.store.pods.get('media', `${STS}-plexops-helper`)).toBeUndefined();
    expect(x.kube.store.statefulsets.get('media', STS)!.spec.replicas).toBe(0);
  }, 300_000);
});
