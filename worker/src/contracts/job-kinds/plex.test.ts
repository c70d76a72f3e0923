import { describe, expect, it } from 'vitest';
import { describeJobKinds, getJobKind, parseJobParams, redactSecretParams, secretParamValues, withClaimSecrets } from './index';

const base = { source: { host: 'plex-vm.lan', user: 'root' }, target: { namespace: 'media' } };
const parse = (p: unknown) => {
  const r = parseJobParams('plex-to-kubernetes', p);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.params;
};
const def = getJobKind('plex-to-kubernetes')!;
const LIBRARY_PATHS = def.steps.findIndex((s) => s.id === 'library-paths');

describe('plex-to-kubernetes approvals and secrets', () => {
  it('the library step waits for an approval only when a Plex token will be there', () => {
    expect(def.steps[LIBRARY_PATHS]!.needsApproval).toBe(true); // declared: it may
    expect(def.stepNeedsApproval(LIBRARY_PATHS, parse(base))).toBe(false);
    expect(def.stepNeedsApproval(LIBRARY_PATHS, parse({ ...base, libraryPaths: { useStoredPlexToken: true } }))).toBe(true);
    expect(def.stepNeedsApproval(LIBRARY_PATHS, parse({ ...base, libraryPaths: { plexToken: 'abcdEFGH1234' } }))).toBe(true);
    expect(def.stepNeedsApproval(3, parse(base))).toBe(true); // stop-source, always
    expect(def.stepNeedsApproval(0, parse(base))).toBe(false);
    expect(def.stepNeedsApproval(LIBRARY_PATHS, undefined)).toBe(true); // unparsed params: the declared gate
  });

  it('a given token is a secret param: redacted for the API, collected for the agent\'s redactor', () => {
    const p = parse({ ...base, libraryPaths: { plexToken: 'abcdEFGH1234' } });
    expect(JSON.stringify(redactSecretParams('plex-to-kubernetes', p))).not.toContain('abcdEFGH1234');
    expect(secretParamValues('plex-to-kubernetes', p)).toEqual(['abcdEFGH1234']);
    expect(describeJobKinds().find((k) => k.kind === 'plex-to-kubernetes')!.secretParams).toEqual(['libraryPaths.plexToken']);
  });

  it('the stored token goes into the claim only when asked for, and only when stored', async () => {
    const asked: string[] = [];
    const resolve = async (name: string) => (asked.push(name), 'stored-token-123');
    const plain = parse(base);
    expect(await withClaimSecrets('plex-to-kubernetes', plain, resolve)).toBe(plain);
    expect(asked).toEqual([]);
    const wants = parse({ ...base, libraryPaths: { useStoredPlexToken: true } });
    const claimed = (await withClaimSecrets('plex-to-kubernetes', wants, resolve)) as { libraryPaths: Record<string, unknown> };
    expect(claimed.libraryPaths).toEqual({ useStoredPlexToken: true, scanTimeoutSeconds: 1800, plexToken: 'stored-token-123' });
    expect(wants).toEqual(parse({ ...base, libraryPaths: { useStoredPlexToken: true } })); // the job's own params untouched
    expect(secretParamValues('plex-to-kubernetes', claimed)).toEqual(['stored-token-123']);
    const none = await withClaimSecrets('plex-to-kubernetes', wants, async () => null);
    expect(none).toEqual(wants);
    // Params that do not parse (an old row) go out as they are.
    expect(await withClaimSecrets('plex-to-kubernetes', { junk: 1 }, resolve)).toEqual({ junk: 1 });
  });

  it('pin modes: helm needs a chart, yaml a file; the registry URL must be http(s)', () => {
    expect(parseJobParams('plex-to-kubernetes', { ...base, versionPin: { mode: 'helm', chart: 'plex/plex-media-server' } }).ok).toBe(true);
    expect(parseJobParams('plex-to-kubernetes', { ...base, versionPin: { mode: 'helm', chart: 'oci://ghcr.io/x/plex', release: 'plex', chartVersion: '1.5.0', keyPath: 'image.tag' } }).ok).toBe(true);
    expect(parseJobParams('plex-to-kubernetes', { ...base, versionPin: { mode: 'helm' } }).ok).toBe(false);
    expect(parseJobParams('plex-to-kubernetes', { ...base, versionPin: { mode: 'none', checkRegistry: true, registryUrl: 'file:///etc/passwd' } }).ok).toBe(false);
  });
});
