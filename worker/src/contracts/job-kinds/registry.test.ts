import { describe, it, expect } from 'vitest';
import { canonicalJson, describeJobKinds, getJobKind, parseJobParams, stepApprovalPayload } from './index';

describe('job kinds registry', () => {
  it('finds kinds and rejects unknown ones', () => {
    expect(getJobKind('connectivity-check')?.steps.map((s) => s.id)).toEqual(['ssh', 'kube', 'nomad']);
    expect(getJobKind('rm-rf')).toBeUndefined();
    expect(parseJobParams('rm-rf', {})).toEqual({ ok: false, issues: [{ path: 'kind', message: 'There is no job kind "rm-rf".' }] });
  });

  it('requires at least one connectivity target', () => {
    const r = parseJobParams('connectivity-check', {});
    expect(r.ok).toBe(false);
  });

  it.each([
    ['-oProxyCommand=touch /tmp/x'],
    ['host;rm -rf /'],
    ['$(id)'],
    ['a b'],
    ['x'.repeat(300)],
    [''],
  ])('rejects hostile ssh host %j', (host) => {
    const r = parseJobParams('connectivity-check', { ssh: [{ host }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe('params.ssh.0.host');
  });

  it('accepts ordinary targets and fills defaults', () => {
    const r = parseJobParams('connectivity-check', {
      ssh: [{ host: 'nas.lan', user: 'root', port: 2222 }, { host: '::1' }],
      kube: [{ context: 'admin@home', namespace: 'media' }],
      nomad: [{ address: 'https://nomad.lan:4646', namespace: 'default', tokenEnv: 'NOMAD_TOKEN' }],
    });
    expect(r.ok).toBe(true);
    expect(parseJobParams('agent-selftest', {})).toEqual({ ok: true, params: { lines: 10, lineDelayMs: 0, emitMs: 0, changeMs: 0, settleMs: 0 } });
  });

  it.each([['http://u:p@h:4646'], ['ftp://h'], ['http://h/?x=1'], ['not a url'], ['http://h/$(id)']])(
    'rejects nomad address %j',
    (address) => {
      expect(parseJobParams('connectivity-check', { nomad: [{ address }] }).ok).toBe(false);
    },
  );

  it('rejects unknown param fields and oversized arrays', () => {
    expect(parseJobParams('connectivity-check', { ssh: [{ host: 'a', command: 'id' }] }).ok).toBe(false);
    expect(parseJobParams('connectivity-check', { ssh: Array.from({ length: 33 }, () => ({ host: 'a' })) }).ok).toBe(false);
  });

  it('canonical JSON sorts keys at every depth and is stable', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' }, e: undefined })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });

  it('binds approval payloads to kind, step and params', () => {
    const a = stepApprovalPayload('approval-selftest', 1, { note: 'a', applyMs: 0 });
    expect(a).toBe('{"kind":"approval-selftest","params":{"applyMs":0,"note":"a"},"step":{"id":"apply","index":1}}');
    expect(stepApprovalPayload('approval-selftest', 1, { note: 'b', applyMs: 0 })).not.toBe(a);
    expect(() => stepApprovalPayload('approval-selftest', 5, {})).toThrow(RangeError);
  });

  it('describes kinds with JSON schema params', () => {
    const info = describeJobKinds();
    expect(info.map((k) => k.kind)).toEqual([
      'connectivity-check',
      'plex-to-kubernetes',
      'plex-to-kubernetes-rollback',
      'overseerr-to-nomad',
      'overseerr-to-nomad-rollback',
      'overseerr-cleanup',
      'nomad-failover-drill',
      'agent-selftest',
      'approval-selftest',
    ]);
    expect(info[0]?.paramsSchema.type).toBe('object');
  });
});

describe('target validation (issue 8)', () => {
  it.each([['http://nomad.lan:4646#'], ['http://nomad.lan:4646?'], ['http://nomad.lan:4646/?#'], ['https://nomad.lan/#frag']])('rejects a Nomad address ending in a bare ? or # (%j)', (address) => {
    expect(parseJobParams('connectivity-check', { nomad: [{ address }] }).ok).toBe(false);
  });

  it('declares what each kind touches and which env values are its secrets', () => {
    const def = getJobKind('connectivity-check')!;
    const params = def.params.parse({ ssh: [{ host: 'nas' }], nomad: [{ address: 'http://n:4646', tokenEnv: 'NOMAD_ACCESS' }, { address: 'http://m:4646' }] });
    expect(def.targets(params)).toEqual({ ssh: [{ host: 'nas' }], kube: [], nomad: [{ address: 'http://n:4646', tokenEnv: 'NOMAD_ACCESS' }, { address: 'http://m:4646' }] });
    expect(def.secretEnv(params)).toEqual(['NOMAD_ACCESS', 'NOMAD_TOKEN']);
    expect(def.readOnly).toBe(true);
    expect(getJobKind('agent-selftest')!.readOnly).toBe(false);
  });
});
