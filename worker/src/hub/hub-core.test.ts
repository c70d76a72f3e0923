/** The job view channel: a view poke wakes only view watchers; a job poke wakes both. */
import { describe, expect, it } from 'vitest';
import { HubCore } from './hub-core';
import { AddressLimiter } from '../lib/address-limiter';

describe('HubCore job view channel', () => {
  it('leaves the job channel (the agent heartbeat wait) alone on a view poke', async () => {
    const hub = new HubCore();
    const job0 = await hub.jobWait({ jobId: 'job_a', sinceGen: null, timeoutMs: 0 });
    const view0 = await hub.jobViewWait({ jobId: 'job_a', sinceGen: null, timeoutMs: 0 });
    const parkedView = hub.jobViewWait({ jobId: 'job_a', sinceGen: view0.gen, timeoutMs: 30_000 });
    await hub.pokeJobView('job_a');
    expect(await parkedView).toEqual({ gen: view0.gen + 1, changed: true });
    expect(await hub.jobWait({ jobId: 'job_a', sinceGen: job0.gen, timeoutMs: 0 })).toEqual({ gen: job0.gen, changed: false });
  });

  it('wakes view watchers on a job poke too, and keeps jobs apart', async () => {
    const hub = new HubCore();
    const parkedView = hub.jobViewWait({ jobId: 'job_a', sinceGen: 0, timeoutMs: 30_000 });
    const parkedJob = hub.jobWait({ jobId: 'job_a', sinceGen: 0, timeoutMs: 30_000 });
    await hub.pokeJobView('job_b');
    await hub.pokeJob('job_a');
    expect(await parkedView).toEqual({ gen: 1, changed: true });
    expect(await parkedJob).toEqual({ gen: 1, changed: true });
    expect(await hub.jobViewWait({ jobId: 'job_b', sinceGen: 0, timeoutMs: 0 })).toEqual({ gen: 1, changed: true });
  });
});

describe('HubCore auth cache', () => {
  const snapshot = {
    agents: [{ agentId: 'agt_a', tokenHashes: ['ha'], tags: ['home'] }, { agentId: 'agt_r', tokenHashes: ['hr_old'], tags: [] }],
    unverified: [{ hash: 'hr_new', agentId: 'agt_r' }],
    enrollments: [{ hash: 'code1', expiresAt: Date.now() + 60_000 }],
  };

  it('before loading, an unknown token or code means "ask Postgres"; after, a counted refusal', async () => {
    const hub = new HubCore();
    expect(await hub.agentWait({ tokenHash: 'nope', timeoutMs: 0, address: '1.2.3.4' })).toEqual({ kind: 'unknown' });
    expect(await hub.tokenStatus({ hash: 'nope', address: '1.2.3.4' })).toEqual({ kind: 'unchecked' });
    expect(await hub.admitEnroll({ hash: 'nope', address: '1.2.3.4' })).toEqual({ kind: 'unchecked' });
    hub.loadAuth(snapshot);
    expect(await hub.agentWait({ tokenHash: 'nope', timeoutMs: 0, address: '1.2.3.4' })).toEqual({ kind: 'refused' });
    expect(await hub.tokenStatus({ hash: 'ha', address: '1.2.3.4' })).toEqual({ kind: 'known' });
    expect(await hub.admitEnroll({ hash: 'code1', address: '1.2.3.4' })).toEqual({ kind: 'known' });
    expect(await hub.admitEnroll({ hash: 'code2', address: '1.2.3.4' })).toEqual({ kind: 'refused' });
  });

  it('a rotated-in token reaches Postgres once (to retire the old one), then is cached; the old one is then refused', async () => {
    const hub = new HubCore();
    hub.loadAuth(snapshot);
    expect((await hub.agentWait({ tokenHash: 'hr_old', timeoutMs: 0 })).kind).toBe('claim');
    expect(await hub.agentWait({ tokenHash: 'hr_new', timeoutMs: 0 })).toEqual({ kind: 'unknown' });
    await hub.learnAgent({ agentId: 'agt_r', tokenHashes: ['hr_new'], tags: [] });
    expect((await hub.agentWait({ tokenHash: 'hr_new', timeoutMs: 0 })).kind).toBe('claim');
    expect(await hub.agentWait({ tokenHash: 'hr_old', timeoutMs: 0 })).toEqual({ kind: 'refused' });
  });

  it('a used code is refused as used; a revoked agent is refused; loading never resurrects what was forgotten meanwhile', async () => {
    const hub = new HubCore();
    await hub.learnEnrollment({ hash: 'code9', expiresAt: Date.now() + 60_000 });
    await hub.forgetEnrollment('code9');
    await hub.forgetAgent('agt_a');
    hub.loadAuth({ ...snapshot, agents: snapshot.agents.filter((a) => a.agentId !== 'agt_a') });
    expect(await hub.admitEnroll({ hash: 'code9', address: 'x' })).toEqual({ kind: 'refused', used: true });
    expect(await hub.tokenStatus({ hash: 'ha', address: 'x' })).toEqual({ kind: 'refused' });
  });

  it('an address past its refusal budget is limited; valid tokens from it are not', async () => {
    const hub = new HubCore(Date.now, new AddressLimiter(2));
    hub.loadAuth(snapshot);
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await hub.tokenStatus({ hash: `bad${i}`, address: 'scanner' })).kind);
    expect(seen).toEqual(['refused', 'refused', 'limited']);
    expect(await hub.tokenStatus({ hash: 'ha', address: 'scanner' })).toEqual({ kind: 'known' });
  });
});
