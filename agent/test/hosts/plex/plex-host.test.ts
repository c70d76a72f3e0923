/**
 * @module plex-host/plex-host.test
 * The Plex source "VM" behaves like an Ubuntu machine with Plex installed for everything a migration job runs
 * over SSH: default paths, the service manager (is-active/stop/disable/start, Environment with a drop-in
 * override), `Plex Media Server --version`, dpkg-query, pidof, /identity on the VM's own 127.0.0.1:32400,
 * "Plex SQLite" integrity checks and counts (and stock SQLite failing on the same DB), the -wal holding
 * committed rows across a stop, `tar -c` streamed out byte-exact with excludes, and confinement (nothing the
 * VM does reaches this machine).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAND_IN_PLEX_SQLITE } from '../../sims/plex/index.js';
import { BLOBS_DB, DB_DIR, DEFAULT_APP_SUPPORT, EXCLUDED_DIRS, LIBRARY_DB } from './fixture.js';
import { startPlexHost, type PlexHost } from './host.js';
import { startSshd, type TestSshd } from '../../support/sshd.js';

const PMS = `${DEFAULT_APP_SUPPORT}/Plex Media Server`;
const SQLITE = '"/usr/lib/plexmediaserver/Plex SQLite"';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function ssh(h: PlexHost, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ssh', ['-F', h.sshd.clientConfig, '-p', String(h.sshd.port), 'root@127.0.0.1', cmd], { maxBuffer: 64 << 20, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('Plex source host over real ssh', () => {
  let h: PlexHost;
  const scratch = mkdtempSync(join(tmpdir(), 'plex-host-test-'));
  beforeAll(async () => {
    h = await startPlexHost({ sizeBytes: 6 << 20 });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('has the Ubuntu layout, the package and a running service, as the job detects them', async () => {
    const r = await ssh(h, [
      `stat -c '%U %a' ${q(`${PMS}/Preferences.xml`)}`,
      '"/usr/lib/plexmediaserver/Plex Media Server" --version',
      "dpkg-query -W -f='${Version}\\n' plexmediaserver",
      'systemctl is-active plexmediaserver',
      'systemctl is-enabled plexmediaserver',
      'systemctl show -p Environment plexmediaserver',
      'pidof "Plex Media Server" >/dev/null && echo running',
      'curl -s http://127.0.0.1:32400/identity',
    ].join('; '));
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'plex 644',
      `v${h.fixture.version}`,
      h.fixture.version,
      'active',
      'enabled',
      `Environment="PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR=${DEFAULT_APP_SUPPORT}" PLEX_MEDIA_SERVER_HOME=/usr/lib/plexmediaserver PLEX_MEDIA_SERVER_MAX_PLUGIN_PROCS=6`,
    ]);
    expect(lines[6]).toBe('running');
    expect(r.stdout).toContain(`machineIdentifier="${h.fixture.processedMachineIdentifier}" version="${h.fixture.version}"`);
  });

  it('checks and counts with Plex SQLite, while stock SQLite fails on the same DB', async () => {
    const db = `${PMS}/${DB_DIR}/${LIBRARY_DB}`;
    const check = await ssh(h, `${SQLITE} ${q(db)} 'PRAGMA integrity_check(1)' && ${SQLITE} ${q(`${PMS}/${DB_DIR}/${BLOBS_DB}`)} 'PRAGMA integrity_check(1)'`);
    expect(check).toMatchObject({ code: 0, stdout: 'ok\nok\n' });
    const tables = ['metadata_items', 'media_parts', 'metadata_item_views', 'metadata_item_settings', 'accounts', 'section_locations', 'library_sections'];
    const counts = await ssh(h, `${SQLITE} -json ${q(db)} ${q(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`)}`);
    expect(JSON.parse(counts.stdout)[0]).toEqual(Object.fromEntries(tables.map((t) => [t, h.fixture.counts[t]])));
    const stock = await ssh(h, `python3 -c ${q(`import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchall())`)} ${q(db)}`);
    expect(stock.code).not.toBe(0);
    expect(stock.stderr).toContain('no such collation sequence: icu_root');
  });

  it('keeps committed rows only in the -wal across a stop (a .db copied alone loses them)', async () => {
    const db = `${PMS}/${DB_DIR}/${LIBRARY_DB}`;
    const stop = await ssh(h, 'systemctl stop plexmediaserver && systemctl disable plexmediaserver; systemctl is-active plexmediaserver; systemctl is-enabled plexmediaserver; pidof "Plex Media Server" || echo stopped');
    expect(stop.stdout).toBe('inactive\ndisabled\nstopped\n');
    const files = await ssh(h, `ls ${q(`${PMS}/${DB_DIR}`)}`);
    expect(files.stdout.split('\n')).toEqual(expect.arrayContaining([`${LIBRARY_DB}-wal`, `${LIBRARY_DB}-shm`, `${BLOBS_DB}-wal`]));
    const alone = await ssh(h, `cp ${q(db)} /tmp/alone.db && ${SQLITE} /tmp/alone.db 'SELECT count(*) FROM metadata_item_views'`);
    expect(Number(alone.stdout)).toBe(h.fixture.counts.metadata_item_views! - h.fixture.walOnly.metadata_item_views!);
    const start = await ssh(h, 'systemctl enable --now plexmediaserver 2>/dev/null; for i in $(seq 100); do curl -sf http://127.0.0.1:32400/identity && break; sleep 0.1; done');
    expect(start.stdout).toContain(`machineIdentifier="${h.fixture.processedMachineIdentifier}"`);
  });

  it('streams the data dir out with tar -c over ssh, byte-exact, with the excludes', async () => {
    const excludes = EXCLUDED_DIRS.map((d) => `--exclude=${q(`./${d}`)}`).join(' ');
    const out = join(scratch, 'copy');
    const tar = spawn('sh', ['-c', `mkdir -p ${q(out)} && ssh -F ${q(h.sshd.clientConfig)} -p ${h.sshd.port} root@127.0.0.1 "tar -C ${q(PMS).replace(/"/g, '\\"')} ${excludes} -cf - ." | tar -C ${q(out)} -xpf -`]);
    const code = await new Promise((r) => tar.on('close', r));
    expect(code).toBe(0);
    for (const d of EXCLUDED_DIRS) expect(existsSync(join(out, d))).toBe(false);
    const sum = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    for (const f of [LIBRARY_DB, `${LIBRARY_DB}-wal`, BLOBS_DB, `${BLOBS_DB}-wal`]) expect(sum(join(out, DB_DIR, f))).toBe(sum(join(h.fixture.pmsHostDir, DB_DIR, f)));
    const views = await new Promise<string>((r) => execFile(STAND_IN_PLEX_SQLITE, [join(out, DB_DIR, LIBRARY_DB), 'SELECT count(*) FROM metadata_item_views'], (_e, so) => r(so)));
    expect(Number(views)).toBe(h.fixture.counts.metadata_item_views);
    const odd = await ssh(h, `cd ${q(PMS)} && find . \\( -type l -o -empty -o -perm 600 -o -name '*“*' \\) -printf '%y %m %p\\n' | sort`);
    expect(odd.stdout).toContain("d 755 ./Plug-in Support/Caches/com.plexapp.system/empty\n");
    expect(odd.stdout).toContain('l 777 ./Plug-in Support/Data/current-library.db\n');
    expect(odd.stdout).toContain('f 600 ./.LocalAdminToken\n');
    expect(odd.stdout).toContain("d 755 ./Plug-in Support/Data/com.plexapp.system/Ünïcødé “quoted” & 'single' dir\n");
  });

  it('keeps everything the VM does inside it', async () => {
    const r = await ssh(h, `echo vm > /etc/vm-only; touch /usr/bin/vm-only; mkdir -p /var/backups/plex-vm; ls /; ls ${q(scratch)} 2>&1; hostname`);
    expect(r.stdout).not.toMatch(/^(work|home|boot)$/m);
    expect(r.stdout).toContain('No such file or directory');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('plex-vm');
    expect(existsSync('/etc/vm-only')).toBe(false);
    expect(existsSync('/usr/bin/vm-only')).toBe(false);
    expect(existsSync('/var/backups/plex-vm')).toBe(false);
  });
});

describe('Plex source host with a data-dir override and no Plex SQLite', () => {
  let h: PlexHost;
  let other: TestSshd;
  beforeAll(async () => {
    other = await startSshd();
    h = await startPlexHost({ sizeBytes: 1 << 20, appSupportDir: '/srv/plex/Application Support', plexSqlite: false, active: false, sshKeysFrom: other.dir });
    await appendFile(other.knownHosts, `${h.knownHostsLine}\n`);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    await other?.stop();
  });

  it('is reachable with another test sshd\'s client config when it shares its keys (as the e2e harness does)', async () => {
    const r = await new Promise<string>((resolve) => execFile('ssh', ['-F', other.clientConfig, '-p', String(h.sshd.port), 'root@127.0.0.1', 'hostname'], (_e, so) => resolve(so)));
    expect(r).toBe('plex-vm\n');
  });

  it('reports the drop-in override, a stopped service, and no Plex SQLite', async () => {
    const r = await ssh(h, 'systemctl show -p Environment --value plexmediaserver; systemctl is-active plexmediaserver; ls "/srv/plex/Application Support"; test -x "/usr/lib/plexmediaserver/Plex SQLite" || echo "no plex sqlite"');
    expect(r.stdout.split('\n')).toEqual([
      '"PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR=/srv/plex/Application Support" PLEX_MEDIA_SERVER_HOME=/usr/lib/plexmediaserver PLEX_MEDIA_SERVER_MAX_PLUGIN_PROCS=6',
      'inactive',
      'Plex Media Server',
      'no plex sqlite',
      '',
    ]);
    const start = await ssh(h, 'systemctl start plexmediaserver && for i in $(seq 100); do curl -sf http://127.0.0.1:32400/identity && break; sleep 0.1; done');
    expect(start.stdout).toContain(`machineIdentifier="${h.fixture.processedMachineIdentifier}"`);
  });
});
