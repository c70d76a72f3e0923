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

describe('HubCore work flags per scope', () => {
  const agent = { agentId: 'agt_1', tokenHashes: ['h1'], tags: [] };

  it('an empty read-only claim says nothing about other kinds; an empty claim for any kind covers both', async () => {
    const hub = new HubCore();
    await hub.learnAgent(agent);
    const first = await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0, scope: 'read-only' });
    expect(first.kind).toBe('claim');
    await hub.claimDone({ agentId: 'agt_1', gen: (first as { gen: number }).gen, found: false, scope: 'read-only' });
    expect((await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0, scope: 'read-only' })).kind).toBe('idle');
    const any = await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0 });
    expect(any.kind).toBe('claim');
    await hub.claimDone({ agentId: 'agt_1', gen: (any as { gen: number }).gen, found: false });
    expect((await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0 })).kind).toBe('idle');
    expect((await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0, scope: 'read-only' })).kind).toBe('idle');
    await hub.pokeWork();
    expect((await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0, scope: 'read-only' })).kind).toBe('claim');
  });
});

describe('HubCore job channel memory', () => {
  it('forgets channels idle for half an hour with nobody waiting, keeps watched ones', async () => {
    let now = 0;
    const hub = new HubCore(() => now);
    const watched = hub.jobViewWait({ jobId: 'job_watched', sinceGen: 0, timeoutMs: 60 * 60_000 });
    for (let i = 0; i < 1000; i++) await hub.pokeJob(`job_${i}`);
    expect(hub.jobChannels).toBeGreaterThanOrEqual(2000);
    now += 31 * 60_000;
    for (let i = 0; i < 600; i++) await hub.pokeJob(`job_new_${i}`);
    expect(hub.jobChannels).toBeLessThanOrEqual(1200 + 2);
    await hub.pokeJobView('job_watched');
    expect(await watched).toEqual({ gen: 1, changed: true });
  });
});

describe('HubCore overview channel', () => {
  it('moves on job pokes, work pokes and explicit overview pokes', async () => {
    const hub = new HubCore();
    const start = await hub.overviewWait({ sinceGen: null, timeoutMs: 0 });
    const parked = hub.overviewWait({ sinceGen: start.gen, timeoutMs: 30_000 });
    await hub.pokeJobView('job_a');
    expect(await parked).toEqual({ gen: start.gen + 1, changed: true });
    await hub.pokeJob('job_a');
    await hub.pokeWork();
    await hub.pokeOverview();
    expect(await hub.overviewWait({ sinceGen: start.gen + 1, timeoutMs: 0 })).toEqual({ gen: start.gen + 4, changed: true });
  });

  it('moves when an agent is learnt, forgotten, or comes back after a silence — not on steady polls', async () => {
    let now = 1_000_000;
    const hub = new HubCore(() => now);
    await hub.learnAgent({ agentId: 'agt_a', tokenHashes: ['h'], tags: [] });
    const g0 = (await hub.overviewWait({ sinceGen: null, timeoutMs: 0 })).gen;
    await hub.agentWait({ tokenHash: 'h', timeoutMs: 0 }); // first poll since the hub started
    const g1 = (await hub.overviewWait({ sinceGen: null, timeoutMs: 0 })).gen;
    expect(g1).toBe(g0 + 1);
    now += 25_000;
    await hub.agentWait({ tokenHash: 'h', timeoutMs: 0 }); // a steady poll
    expect((await hub.overviewWait({ sinceGen: g1, timeoutMs: 0 })).changed).toBe(false);
    now += 61_000;
    await hub.agentWait({ tokenHash: 'h', timeoutMs: 0 }); // back after a silence
    expect((await hub.overviewWait({ sinceGen: g1, timeoutMs: 0 })).gen).toBe(g1 + 1);
    await hub.forgetAgent('agt_a');
    expect((await hub.overviewWait({ sinceGen: g1 + 1, timeoutMs: 0 })).gen).toBe(g1 + 2);
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

describe('HubCore presence and going offline', () => {
  const agent = { agentId: 'agt_a', tokenHashes: ['h1'], tags: [] };

  it('first contact is reported once; /offline drops presence and ends a parked poll', async () => {
    let now = 1_000;
    const hub = new HubCore(() => now);
    await hub.learnAgent(agent);
    const first = await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0 });
    expect(first).toMatchObject({ kind: 'claim', firstContact: true });
    await hub.claimDone({ agentId: 'agt_a', gen: first.kind === 'claim' ? first.gen : 0, found: false });
    expect(await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0 })).toMatchObject({ kind: 'idle', firstContact: false });

    const parked = hub.agentWait({ tokenHash: 'h1', timeoutMs: 30_000 });
    expect((await hub.presence())[0]).toMatchObject({ agentId: 'agt_a', waiting: true });
    now = 2_000;
    await hub.agentOffline('agt_a');
    expect(await parked).toMatchObject({ kind: 'idle' });
    // The poll that ended because of /offline left no presence behind.
    expect(await hub.presence()).toEqual([]);

    // Its next poll is a new connection.
    expect(await hub.agentWait({ tokenHash: 'h1', timeoutMs: 0 })).toMatchObject({ kind: 'idle', firstContact: true });
    expect(await hub.presence()).toEqual([{ agentId: 'agt_a', lastSeenAt: 2_000, waiting: false }]);
  });
});
