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
