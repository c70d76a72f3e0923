/**
 * The admin's pure helpers behind "truthful data", in Node: past events never read as future,
 * the return path after sign-in only ever stays on this site, progress without a known total,
 * the threshold as a percentage, and why a queued job waits for an agent.
 */
import { describe, expect, it } from 'vitest';
import type { AgentInfo } from '../../worker/src/contracts';
import { relativeTime } from '../src/components/format';
import { nextPath, safeNext, signInPath } from '../src/deep-link';
import { progressText } from '../src/components/progress-text';
import { thresholdRatio } from '../src/components/threshold';
import { noAgentReason } from '../src/components/agent-reason';

describe('relativeTime tense', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  it('a past event a little ahead of this clock reads "just now", never "in 6 seconds"', () => {
    expect(relativeTime('2026-01-10T12:00:06Z', now, 'past')).toBe('just now');
    expect(relativeTime('2026-01-10T12:03:00Z', now, 'past')).toBe('just now');
    expect(relativeTime('2026-01-10T11:58:00Z', now, 'past')).toMatch(/2 minutes ago/);
    expect(relativeTime('2026-01-10T12:00:06Z', now)).toMatch(/in 6 seconds/); // 'any' keeps the sign
  });
  it('a deadline reads forward, and "now" once passed', () => {
    expect(relativeTime('2026-01-11T11:59:55Z', now, 'future')).toBe('in 24 hours');
    expect(relativeTime('2026-01-10T11:59:00Z', now, 'future')).toBe('now');
  });
});

describe('returning to the requested page after sign-in', () => {
  it('keeps a path and query on this site', () => {
    expect(signInPath('/jobs/job_1?tab=log')).toBe('/sign-in?next=%2Fjobs%2Fjob_1%3Ftab%3Dlog');
    expect(signInPath('/')).toBe('/sign-in');
    expect(nextPath('?next=%2Fjobs%2Fjob_1%3Ftab%3Dlog')).toBe('/jobs/job_1?tab=log');
    expect(nextPath('')).toBe('/');
  });
  it('never leaves the site or loops', () => {
    for (const bad of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)', '/sign-in?next=/x', '/x\u0000', 'x'.repeat(3000), '']) expect(safeNext(bad)).toBeNull();
    expect(nextPath(`?next=${encodeURIComponent('//evil.example')}`)).toBe('/');
  });
});

describe('progressText', () => {
  it('says "seen" when the total is unknown, and a share only when it is known', () => {
    expect(progressText(6, null)).toBe('6 episodes seen');
    expect(progressText(1, null)).toBe('1 episode seen');
    expect(progressText(6, 9)).toBe('6 / 9 episodes · 66 %');
    expect(progressText(10, 9)).toBe('10 / 9 episodes · 100 %');
  });
});

describe('thresholdRatio', () => {
  it('reads a percentage, with or without the sign, and refuses the rest', () => {
    expect(thresholdRatio('90')).toBe(0.9);
    expect(thresholdRatio(' 85.5 % ')).toBeCloseTo(0.855);
    expect(thresholdRatio('92,5')).toBeCloseTo(0.925);
    for (const bad of ['150', '-1', 'ninety', '', '0.9.1', '1e2']) expect(thresholdRatio(bad)).toBeNull();
  });
});

describe('noAgentReason', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const agent = (over: Partial<AgentInfo>): AgentInfo => ({
    id: 'agt_1', name: 'den-pi', hostname: 'pi', version: '1', tags: [], online: false, state: 'offline', lastSeenAt: null, offlineAt: null, currentJobId: null, createdAt: '', revokedAt: null, ...over,
  });
  it('is silent when an agent that can run it is online', () => {
    expect(noAgentReason([agent({ online: true, state: 'online', tags: ['home'] })], ['home'], now)).toBeNull();
  });
  it('says what is missing: any agent, one with the tags, or one online', () => {
    expect(noAgentReason([], [], now)).toMatch(/^No agent is enrolled yet/);
    expect(noAgentReason([agent({ state: 'revoked', revokedAt: 'x' })], [], now)).toMatch(/^No agent is enrolled yet/);
    expect(noAgentReason([agent({ online: true, state: 'online', tags: ['home'] })], ['k8s'], now)).toBe('No enrolled agent has the tag k8s: enroll one with --tags k8s, or create the job without it.');
    expect(noAgentReason([agent({ tags: ['home'], lastSeenAt: '2026-01-10T11:55:00Z' })], ['home'], now)).toMatch(/^No agent that can run it is online \(den-pi was last seen 5 minutes ago\)/);
    expect(noAgentReason([agent({ state: 'never_connected' })], [], now)).toMatch(/never connected: start it with plexops-agent run/);
  });
});
