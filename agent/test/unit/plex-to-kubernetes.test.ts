/**
 * The pure parts of the Plex move: the YAML tag pin keeps comments and layout, systemd Environment parsing,
 * path mapping, facts comparison, manifest diffs naming the differing paths, PVC quantities, and the params
 * contract refusing hostile input.
 */
import { describe, expect, it } from 'vitest';
import { plexToKubernetes } from '../../../worker/src/contracts/job-kinds';
import { parseQuantity, parseSystemdEnvironment } from '../../src/kinds/plex-to-kubernetes/detect';
import { compareFacts, mapPath, parseFacts } from '../../src/kinds/plex-to-kubernetes/facts';
import { diffManifests } from '../../src/kinds/plex-to-kubernetes/move';
import { setYamlScalar, YamlPinError } from '../../src/kinds/plex-to-kubernetes/yaml-pin';

const HELM_RELEASE = `# Plex, managed by Flux
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: plex # the release
spec:
  interval: 30m
  values:
    image:
      repository: plexinc/pms-docker
      # keep in step with the source server
      tag: "1.40.0.7998-c29d4c0c8"   # pinned by hand
    pms:
      configStorage: 20Gi
`;

describe('YAML tag pin', () => {
  it('changes only the value, keeping comments, quotes and layout', () => {
    const r = setYamlScalar(HELM_RELEASE, 'spec.values.image.tag', '1.41.6.9685-d301f511a');
    expect(r.old).toBe('1.40.0.7998-c29d4c0c8');
    expect(r.text).toBe(HELM_RELEASE.replace('"1.40.0.7998-c29d4c0c8"', '"1.41.6.9685-d301f511a"'));
  });

  it('quotes a version that YAML would read as a number, and refuses paths that are not scalars or absent', () => {
    expect(setYamlScalar('image:\n  tag: latest\n', 'image.tag', '1.41').text).toBe('image:\n  tag: "1.41"\n');
    expect(() => setYamlScalar(HELM_RELEASE, 'spec.values.image', 'x')).toThrow(YamlPinError);
    expect(() => setYamlScalar(HELM_RELEASE, 'spec.values.nope.tag', 'x')).toThrow('not found');
    expect(() => setYamlScalar(HELM_RELEASE, 'spec.values.pms.tag', 'x')).toThrow('not found');
  });
});

describe('source detection helpers', () => {
  it('parses systemctl show -p Environment --value with quoted entries', () => {
    expect(parseSystemdEnvironment('"PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR=/srv/plex/Application Support" PLEX_MEDIA_SERVER_HOME=/usr/lib/plexmediaserver "X=a \\"b\\""')).toEqual({
      PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: '/srv/plex/Application Support',
      PLEX_MEDIA_SERVER_HOME: '/usr/lib/plexmediaserver',
      X: 'a "b"',
    });
  });

  it('reads PVC quantities', () => {
    expect(parseQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseQuantity('500M')).toBe(5e8);
    expect(parseQuantity('1.5Ti')).toBe(1.5 * 2 ** 40);
    expect(parseQuantity('lots')).toBeUndefined();
  });

  it('maps media paths by the longest prefix only at path boundaries', () => {
    const map = [{ from: '/mnt/nas-plex', to: '/media/library' }, { from: '/mnt/nas-plex-optimized', to: '/media/optimized' }];
    expect(mapPath('/mnt/nas-plex/Movies/A.mkv', map)).toBe('/media/library/Movies/A.mkv');
    expect(mapPath('/mnt/nas-plex-optimized/Home Videos', map)).toBe('/media/optimized/Home Videos');
    expect(mapPath('/mnt/nas-plexx/x', map)).toBeUndefined();
  });
});

describe('verification helpers', () => {
  const out = (views: string) => ['@@integrity-library', 'ok', '@@integrity-blobs', 'ok', '@@counts', '[{"metadata_items":3,"media_parts":2,"metadata_item_views":2,"metadata_item_settings":1,"accounts":2,"section_locations":1,"library_sections":1}]', '@@views', views, '@@settings', '[{"account_id":1,"guid":"g","rating":null,"view_offset":5,"view_count":0,"last_viewed_at":9}]', '@@sections', '[{"id":1,"name":"Movies","root_path":"/mnt/nas-plex/Movies"}]', '@@samples', '[{"file":"/mnt/nas-plex/Movies/A.mkv"}]', ''].join('\n');
  it('parses facts and names every difference', () => {
    const a = parseFacts(out('[{"account_id":1,"guid":"g","metadata_type":1,"viewed_at":1},\n{"account_id":2,"guid":"h","metadata_type":1,"viewed_at":2}]'));
    expect(a.sections).toEqual([{ id: 1, name: 'Movies', locations: ['/mnt/nas-plex/Movies'] }]);
    expect(a.sampleFiles).toEqual(['/mnt/nas-plex/Movies/A.mkv']);
    const b = parseFacts(out('[{"account_id":1,"guid":"g","metadata_type":1,"viewed_at":1}]'));
    expect(compareFacts(a, a)).toEqual([]);
    expect(compareFacts(a, b)).toEqual(['watch history of account 2 differ']);
  });

  it('diffs manifests and DB checksums by path', () => {
    const src = "f 644 10 1700000000 ./Preferences.xml -> \nd 755 - - ./Media -> \n@@sums\n" + `${'a'.repeat(64)}  Plug-in Support/Databases/com.plexapp.plugins.library.db\n`;
    const dst = "f 644 11 1700000000 ./Preferences.xml -> \nd 755 - - ./Media -> \nf 600 1 1 ./extra -> \n@@sums\n" + `${'b'.repeat(64)}  Plug-in Support/Databases/com.plexapp.plugins.library.db\n`;
    expect(diffManifests(src, src)).toEqual([]);
    expect(diffManifests(src, dst)).toEqual(['./Preferences.xml', './extra', 'Plug-in Support/Databases/com.plexapp.plugins.library.db']);
  });
});

describe('plex-to-kubernetes params', () => {
  const base = { source: { host: 'plex-vm' }, target: { namespace: 'media' } };
  it('fills the defaults', () => {
    const p = plexToKubernetes.params.parse(base);
    expect(p.source).toMatchObject({ sudo: 'none', service: 'plexmediaserver' });
    expect(p.target).toMatchObject({ configMountPath: '/config', plexUid: 1000, plexGid: 1000 });
    expect(p.excludes).toEqual(['Cache', 'Crash Reports', 'Diagnostics', 'Logs', 'Updates', 'Codecs']);
    expect(p).toMatchObject({ overwrite: 'refuse', versionPin: { mode: 'none', checkRegistry: false }, skipBif: false, compress: false, libraryPaths: { useStoredPlexToken: false } });
    expect(plexToKubernetes.targets(p)).toEqual({ ssh: [{ host: 'plex-vm' }], kube: [{ namespace: 'media' }] });
  });

  it('refuses hostile paths, names and hosts', () => {
    const bad = [
      { ...base, source: { host: '-oProxyCommand=x' } },
      { ...base, source: { host: 'h', appSupportDir: 'relative/path' } },
      { ...base, source: { host: 'h', appSupportDir: '/var/../etc' } },
      { ...base, source: { host: 'h', appSupportDir: '/var/lib/\0x' } },
      { ...base, source: { host: 'h', service: 'plex; rm -rf /' } },
      { ...base, target: { namespace: 'Media' } },
      { ...base, excludes: ["Cache'; reboot"] },
      { ...base, pathMap: [{ from: '/mnt/nas', to: 'media' }] },
      { ...base, versionPin: { mode: 'yaml', file: '/etc/values.yaml', keyPath: 'spec..tag' } },
      { ...base, versionPin: { mode: 'yaml' } },
      { ...base, versionPin: { mode: 'helm' } },
      { ...base, versionPin: { mode: 'helm', chart: 'plex/pms; rm -rf /' } },
      { ...base, versionPin: { mode: 'helm', chart: 'plex/plex-media-server', release: 'Plex' } },
      { ...base, versionPin: { mode: 'helm', chart: '-plex', chartVersion: '1.5' } },
      { ...base, versionPin: { mode: 'none', registryUrl: 'ftp://mirror' } },
      { ...base, libraryPaths: { plexToken: 'short' } },
      { ...base, libraryPaths: { plexToken: 'token with spaces and "quotes"' } },
      { ...base, target: { namespace: 'media', plexUid: 2 ** 40 } },
      { ...base, extra: true },
    ];
    for (const b of bad) expect(plexToKubernetes.params.safeParse(b).success, JSON.stringify(b)).toBe(false);
  });
});
