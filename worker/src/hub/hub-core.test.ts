/** The job view channel: a view poke wakes only view watchers; a job poke wakes both. */
import { describe, expect, it } from 'vitest';
import { HubCore } from './hub-core';

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
