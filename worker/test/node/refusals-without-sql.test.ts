/**
 * Issue 8 item 10: unknown webhook secrets, enroll codes and agent tokens must not cost a
 * Postgres query each (a scanner would keep Neon awake), and an address that keeps guessing gets
 * a 429 — decided without SQL too. The real Worker in workerd (the retrier and hub Durable
 * Objects hold the exact sets and the per-address counts); statements are counted with
 * pg_stat_statements. Valid credentials keep working throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, plexMultipart } from '../fixtures/plex';
import { createTestDb, type TestDb } from '../support/test-db';
import { startWorkerdServer, type WorkerdServer } from '../support/workerd-server';
import { wsProxyAddress } from '../support/test-env';
import { createSqlCounter, type SqlCounter } from '../support/sql-counter';
import { adminHttp } from '../support/admin-http';
import { TestAgentClient } from '../support/agent-client';
import { createAdminToken } from '../../src/services/auth/admin-tokens';

const BUDGET = 40;
let db: TestDb;
let server: WorkerdServer;
let sqlCount: SqlCounter;
let admin: ReturnType<typeof adminHttp>;
let hook: string;

beforeAll(async () => {
  db = await createTestDb();
  server = await startWorkerdServer({ DATABASE_URL: db.url, DB_WS_PROXY: wsProxyAddress(), ENVIRONMENT: 'test', REFUSALS_PER_MINUTE: String(BUDGET), AGENT_WAIT_MS: '1000' });
  admin = adminHttp(server.url, (await createAdminToken(db.db, 'scanner-test')).token);
  const put = await admin('/plex/config', { method: 'PUT', json: { rateLimitPerMinute: 10_000 } });
  expect(put.status).toBe(200);
  hook = new URL(put.body.webhookUrl).pathname;
  sqlCount = await createSqlCounter(db.name);
}, 60_000);
afterAll(async () => {
  await sqlCount?.close();
  await server?.dispose();
  await db?.drop();
});

/** A guess from `ip` (Cloudflare's CF-Connecting-IP names the client). */
const from = (ip: string) => ({ 'cf-connecting-ip': ip });
const guessSecret = (i: number) => `G${String(i).padStart(42, 'x')}`;

async function postHook(path: string, ip: string): Promise<Response> {
  const d = plexMultipart(fixture('device.new'));
  return fetch(`${server.url}${path}`, { method: 'POST', body: d.body, headers: { ...d.headers, ...from(ip) } });
}

async function statementsDuring(work: () => Promise<void>): Promise<number> {
  const before = await sqlCount.count();
  await work();
  return (await sqlCount.count()) - before;
}

describe('refused without a query', () => {
  it('unknown webhook secrets: 404 with zero statements (after the one load of the secret set)', async () => {
    expect((await postHook(`/webhooks/plex/${guessSecret(0)}`, '198.51.100.1')).status).toBe(404); // loads the set
    const n = await statementsDuring(async () => {
      for (let i = 1; i <= 30; i++) expect((await postHook(`/webhooks/plex/${guessSecret(i)}`, `198.51.100.${i % 7}`)).status).toBe(404);
    });
    expect(n).toBe(0);
    // The real secret still works (and does cost its queries).
    expect((await postHook(hook, '198.51.100.1')).status).toBe(200);
  });

  it('wrong enroll codes: 401 with zero statements (after the one load of tokens and codes by the hub)', async () => {
    const agent = new TestAgentClient(server.url);
    const warm = await statementsDuring(async () => {
      expect((await agent.call('/enroll', { code: 'AAAAA-BBBBB', name: 'x', version: '1', hostname: 'h' }, { headers: from('203.0.113.9') })).status).toBe(401);
    });
    expect(warm).toBeLessThanOrEqual(2);
    const n = await statementsDuring(async () => {
      for (let i = 0; i < 20; i++) {
        const r = await agent.call('/enroll', { code: `AAAAA-BBBBB-CCCCC-${String(i).padStart(5, '0')}`, name: 'x', version: '1', hostname: 'h' }, { headers: from(`203.0.113.${i % 5}`) });
        expect(r.status).toBe(401);
      }
    });
    expect(n).toBe(0);
  });

  it('unknown agent tokens on /wait and job routes: 401 with zero statements', async () => {
    const n = await statementsDuring(async () => {
      for (let i = 0; i < 15; i++) {
        const bogus = new TestAgentClient(server.url, `pxa_${'z'.repeat(20)}${i}`);
        expect((await bogus.call('/wait', { waitMs: 0 }, { headers: from(`192.0.2.${i % 5}`) })).status).toBe(401);
        expect((await bogus.call('/jobs/job_x/heartbeat', { leaseToken: 'l' }, { headers: from(`192.0.2.${i % 5}`) })).status).toBe(401);
      }
    });
    expect(n).toBe(0);
  });

  it('valid codes and tokens still work, a used code is named as such, and a revoked token is refused', async () => {
    const e = await admin('/agents/enrollments', { json: { tags: ['t'] } });
    const agent = new TestAgentClient(server.url);
    expect((await agent.enroll(e.body.code, { tags: ['t'] })).status).toBe(201);
    expect((await agent.wait(0)).status).toBe(200);
    const again = await new TestAgentClient(server.url).enroll(e.body.code);
    expect(again.body.error.message).toMatch(/already used/);
    const rotated = await agent.call('/token/rotate', {});
    const old = agent.token!;
    expect((await new TestAgentClient(server.url, old).wait(0)).status).toBe(200);
    expect((await new TestAgentClient(server.url, rotated.body.token).wait(0)).status).toBe(200);
    expect((await new TestAgentClient(server.url, old).wait(0)).status).toBe(401);
  });
});

describe('a per-address refusal budget, without SQL', () => {
  it('past the budget an address gets 429 with Retry-After; other addresses and valid secrets are not affected', async () => {
    const ip = '198.51.100.200';
    const statuses: number[] = [];
    const n = await statementsDuring(async () => {
      for (let i = 0; i < BUDGET + 5; i++) statuses.push((await postHook(`/webhooks/plex/${guessSecret(1000 + i)}`, ip)).status);
    });
    expect(n).toBe(0);
    expect(statuses.slice(0, BUDGET).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(BUDGET)).toEqual([429, 429, 429, 429, 429]);
    const limited = await postHook(`/webhooks/plex/${guessSecret(2000)}`, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await postHook(`/webhooks/plex/${guessSecret(2001)}`, '198.51.100.201')).status).toBe(404);
    expect((await postHook(hook, ip)).status).toBe(200);
  });

  it('the same for agent tokens and enroll codes', async () => {
    const ip = '192.0.2.200';
    const bogus = new TestAgentClient(server.url, 'pxa_bogus_token_for_budget');
    const codes = new TestAgentClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET; i++) statuses.push((await bogus.call('/wait', { waitMs: 0 }, { headers: from(ip) })).status);
    statuses.push((await bogus.call('/jobs/job_x/logs', {}, { headers: from(ip) })).status);
    statuses.push((await codes.call('/enroll', { code: 'ZZZZZ-ZZZZZ', name: 'x', version: '1', hostname: 'h' }, { headers: from(ip) })).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(BUDGET);
    expect(statuses.slice(BUDGET)).toEqual([429, 429]);
  });
});
