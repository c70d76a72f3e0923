/**
 * @module
 * Shared set-up for the jobs/agent tests: a test DB, the real Worker in workerd with compressed
 * agent timings, an admin token, and helpers to create jobs and enroll agents over HTTP.
 */
import { createAdminToken } from '../../src/services/auth/admin-tokens';
import { createTestDb, type TestDb } from './test-db';
import { startWorkerdServer, type WorkerdServer } from './workerd-server';
import { wsProxyAddress } from './test-env';
import { TestAgentClient } from './agent-client';
import { adminHttp } from './admin-http';

export interface JobsHarness {
  db: TestDb;
  server: WorkerdServer;
  adminToken: string;
  admin(path: string, init?: { method?: string; json?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any }>;
  enrollAgent(opts?: { name?: string; tags?: string[] }): Promise<TestAgentClient>;
  createJob(kind: string, params: unknown, tags?: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startJobsHarness(vars: Record<string, string> = {}): Promise<JobsHarness> {
  const db = await createTestDb();
  const server = await startWorkerdServer({
    DATABASE_URL: db.url,
    DB_WS_PROXY: wsProxyAddress(),
    ENVIRONMENT: 'test',
    AGENT_WAIT_MS: '2000',
    AGENT_LEASE_TTL_MS: '3000',
    AGENT_POLL_AFTER_MS: '0',
    HUB_ALARM_GRACE_MS: '200',
    ...vars,
  });
  const { token: adminToken } = await createAdminToken(db.db, 'test');
  const admin: JobsHarness['admin'] = adminHttp(server.url, adminToken);
  return {
    db,
    server,
    adminToken,
    admin,
    async enrollAgent(opts = {}) {
      // The enrollment allows exactly the tags the agent then asks for.
      const e = await admin('/agents/enrollments', { json: { tags: opts.tags ?? [] } });
      if (e.status !== 201) throw new Error(`enrollment failed: ${e.status} ${JSON.stringify(e.body)}`);
      const client = new TestAgentClient(server.url);
      const r = await client.enroll(e.body.code, opts);
      if (r.status !== 201) throw new Error(`enroll failed: ${r.status} ${JSON.stringify(r.body)}`);
      return client;
    },
    async createJob(kind, params, tags = []) {
      const r = await admin('/jobs', { json: { kind, params, tags } });
      if (r.status !== 201) throw new Error(`create job failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id as string;
    },
    async close() {
      await server.dispose();
      await db.drop();
    },
  };
}
