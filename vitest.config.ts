import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { freePort } from "./worker/dev/ports.ts";

// One Postgres and one WebSocket proxy serve every project; pick their ports once so the
// global setup, the Node tests and the workerd bindings all agree.
// Miniflare otherwise fetches Request.cf data from Cloudflare: tests stay on loopback.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.PLEXOPS_TEST_PG_PORT ??= String(await freePort());
process.env.PLEXOPS_TEST_WS_PORT ??= String(await freePort());
const wsProxy = `127.0.0.1:${process.env.PLEXOPS_TEST_WS_PORT}`;
const workerdDbUrl = `postgres://postgres:postgres@127.0.0.1:${process.env.PLEXOPS_TEST_PG_PORT}/plexops_workerd`;

/**
 * Files that kill and restart real processes or measure a timing bound (a drain cut-off, a seed's
 * final sync, a supervisor's restart): they run one at a time after everything else, so another
 * file's load cannot stretch the timings they assert.
 */
const ALONE = [
  'worker/dev/start.test.ts',
  'worker/test/node/plex/crash-recovery.test.ts',
  'worker/test/node/oversized-body.test.ts',
  'agent/test/e2e/resilience.test.ts',
  'agent/test/integration/overseerr-live-seed.test.ts',
];
const NODE_TESTS = {
  environment: 'node',
  testTimeout: 30_000,
  hookTimeout: 60_000,
} as const;

export default defineConfig({
  test: {
    // The app logs one JSON line per event; show them only for tests that fail.
    silent: 'passed-only',
    // Most test time is spent waiting on real processes (workerd, Postgres, sshd, Chromium, kubectl):
    // two files at a time on a two-core machine halves the wall time. Tests that depend on timing
    // (leases, long-polls) use margins that hold under this load.
    maxWorkers: 2,
    globalSetup: ['./worker/test/support/global-setup.ts'],
    projects: [
      {
        test: {
          ...NODE_TESTS,
          name: 'node',
          include: [
            'worker/src/**/*.test.ts',
            'worker/dev/**/*.test.ts',
            'worker/test/node/**/*.test.ts',
            'worker/test/sims/**/*.test.ts',
            'agent/**/*.test.ts',
            'admin/test/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', 'agent/dist/**', ...ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...NODE_TESTS,
          name: 'node-alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DATABASE_URL: workerdDbUrl,
                DB_WS_PROXY: wsProxy,
                ENVIRONMENT: 'test',
                TEST_PG_PORT: process.env.PLEXOPS_TEST_PG_PORT,
              },
            },
          }),
        ],
        test: {
          name: 'workerd',
          include: ['worker/test/workerd/**/*.test.ts'],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
});
