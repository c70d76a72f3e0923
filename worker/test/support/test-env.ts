/**
 * @module
 * Where the test Postgres and proxy listen. vitest.config.ts picks free ports once and puts
 * them in the environment, so the global setup, Node tests and the workerd pool agree.
 */
export const TEMPLATE_DB = 'plexops_template';
/** The database the workerd project's own bindings (SELF) point at. */
export const WORKERD_DB = 'plexops_workerd';
export const PG_USER = 'postgres';
export const PG_PASSWORD = 'postgres';

export function testPorts(): { pgPort: number; wsPort: number } {
  const pgPort = Number(process.env.PLEXOPS_TEST_PG_PORT);
  const wsPort = Number(process.env.PLEXOPS_TEST_WS_PORT);
  if (!pgPort || !wsPort) throw new Error('PLEXOPS_TEST_PG_PORT/PLEXOPS_TEST_WS_PORT are not set: run tests through vitest.config.ts');
  return { pgPort, wsPort };
}

export function pgUrl(database: string): string {
  return `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${testPorts().pgPort}/${database}`;
}

export function wsProxyAddress(): string {
  return `127.0.0.1:${testPorts().wsPort}`;
}
