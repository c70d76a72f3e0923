import { describe, expect, it } from 'vitest';
import { describeJobKinds, getJobKind, parseJobParams } from './index';

const base = {
  dockerHost: { host: 'docker.lan', user: 'root' },
  nomad: { address: 'http://nomad.lan:4646', namespace: 'media', tokenEnv: 'NOMAD_TOKEN' },
  volume: { pluginId: 'hostpath' },
  litestream: { endpoint: 'http://minio.lan:9000', bucket: 'backups', path: 'overseerr/db' },
  settingsTarget: { host: { host: 'nomad-client-1.lan' }, path: '/storage/v/overseerr-config' },
};

describe('overseerr-to-nomad params', () => {
  it('fills defaults and names its targets and secret env vars', () => {
    const r = parseJobParams('overseerr-to-nomad', base);
    expect(r.ok).toBe(true);
    const p = (r as { params: Record<string, unknown> }).params;
    expect(p).toMatchObject({ container: 'overseerr', jobName: 'overseerr', backupDir: '/var/backups/plexops', jobspec: { mode: 'template', image: 'sctx/overseerr:1.33.2' } });
    expect(p.litestream).toMatchObject({ region: 'us-east-1', forcePathStyle: true, overwrite: false, nomadVariable: 'nomad/jobs/overseerr', image: 'litestream/litestream:0.3.13' });
    const def = getJobKind('overseerr-to-nomad');
    expect(def?.targets(p)).toEqual({ ssh: [base.dockerHost, base.settingsTarget.host], nomad: [base.nomad] });
    expect(def?.secretEnv(p)).toEqual(['NOMAD_TOKEN', 'LITESTREAM_ACCESS_KEY_ID', 'LITESTREAM_SECRET_ACCESS_KEY']);
    expect(def?.steps.filter((s) => s.needsApproval).map((s) => s.id)).toEqual(['stop']);
    expect(p.liveSeedHours).toBe(24);
  });

  it('puts what can run while Overseerr serves before the approval, and only the move itself after it', () => {
    const ids = getJobKind('overseerr-to-nomad')?.steps.map((s) => s.id) ?? [];
    const approval = ids.indexOf('stop');
    expect(ids.slice(0, approval)).toEqual(['preflight', 'inventory', 'backup', 'volume', 'plan', 'seed-replica']);
    expect(ids.slice(approval)).toEqual(['stop', 'check-replica', 'settings', 'deploy', 'verify', 'settle', 'report']);
  });

  it('refuses hostile or malformed input with field paths', () => {
    const bad = (patch: Record<string, unknown>) => parseJobParams('overseerr-to-nomad', { ...base, ...patch });
    const paths = (r: ReturnType<typeof parseJobParams>) => (r.ok ? [] : r.issues.map((i) => i.path));
    expect(paths(bad({ backupDir: '/var/../etc' }))).toContain('params.backupDir');
    expect(paths(bad({ backupDir: 'relative/dir' }))).toContain('params.backupDir');
    expect(paths(bad({ container: '-rf' }))).toContain('params.container');
    expect(paths(bad({ container: 'over\u0000seerr' }))).toContain('params.container');
    expect(paths(bad({ configVolume: 'v', configPath: '/srv/x' }))).toContain('params.configPath');
    expect(paths(bad({ settingsTarget: { host: { host: 'h' }, path: '/x; rm -rf /' } }))).toContain('params.settingsTarget.path');
    expect(paths(bad({ litestream: { ...base.litestream, bucket: 'Bad_Bucket' } }))).toContain('params.litestream.bucket');
    expect(paths(bad({ litestream: { ...base.litestream, endpoint: 'http://user:pw@minio.lan' } }))).toContain('params.litestream.endpoint');
    expect(paths(bad({ jobspec: { mode: 'template', tags: ['a"b'] } }))).toContain('params.jobspec.tags.0');
    expect(paths(bad({ jobspec: { mode: 'hcl', hcl: 'x'.repeat(256 * 1024 + 1) } }))).toContain('params.jobspec.hcl');
    expect(paths(bad({ healthTimeoutSeconds: 1e308 }))).toContain('params.healthTimeoutSeconds');
    expect(paths(bad({ liveSeedHours: 0 }))).toContain('params.liveSeedHours');
    expect(paths(bad({ liveSeedHours: 169 }))).toContain('params.liveSeedHours');
    expect(paths(bad({ plex: { ip: '\ud800', port: 32400, useSsl: false } }))).toContain('params.plex.ip');
    expect(paths(bad({ extra: 1 }))).toEqual(['params']);
  });

  it('the four kinds are offered with JSON-schema params', () => {
    const info = describeJobKinds().filter((k) => ['overseerr-to-nomad', 'overseerr-to-nomad-rollback', 'overseerr-cleanup', 'nomad-failover-drill'].includes(k.kind));
    expect(info).toHaveLength(4);
    for (const k of info) expect(k.paramsSchema.type).toBe('object');
    expect(parseJobParams('overseerr-cleanup', { dockerHost: base.dockerHost, nomad: base.nomad })).toMatchObject({ ok: true, params: { minHealthyHours: 24 } });
    expect(parseJobParams('overseerr-to-nomad-rollback', { dockerHost: base.dockerHost, nomad: base.nomad })).toMatchObject({ ok: true, params: { backupDir: '/var/backups/plexops' } });
    expect(parseJobParams('overseerr-to-nomad-rollback', { dockerHost: base.dockerHost, nomad: base.nomad, backupDir: '/x/../etc' }).ok).toBe(false);
    expect(parseJobParams('nomad-failover-drill', { nomad: base.nomad, statusPath: 'http://elsewhere' }).ok).toBe(false);
  });
});
