/**
 * @module overseerr-sim/main
 * The stand-in as a process, configured like the sctx/overseerr container: `PORT` (default 5055),
 * `CONFIG_DIRECTORY` (default /app/config), plus `OVERSEERR_VERSION` for the version it reports
 * (the docker and Nomad stand-ins set it from the image tag). Exits on SIGTERM/SIGINT like the
 * real server (no checkpoint on the way out). Bundled to one .mjs by support/bundle-script.ts.
 */
import { startOverseerrStandin } from './server';

const port = Number(process.env.PORT ?? 5055);
const configDir = process.env.CONFIG_DIRECTORY ?? '/app/config';
try {
  const s = await startOverseerrStandin({ configDir, port, ...(process.env.OVERSEERR_VERSION ? { version: process.env.OVERSEERR_VERSION } : {}) });
  const stop = (): void => {
    void s.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (err) {
  process.stderr.write(`${new Date().toISOString()} [error][Server]: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
