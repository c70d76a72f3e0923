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
