/**
 * @module
 * The real Worker (wrangler.toml, bundled by wrangler, run in workerd) listening on a real
 * loopback port, for tests and benchmarks that need HTTP from other processes: the agent
 * daemon, webhook senders, a browser. Bindings point it at a test database.
 */
import { unstable_startWorker } from 'wrangler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WorkerdServer {
  url: string;
  port: number;
  dispose(): Promise<void>;
}

export async function startWorkerdServer(vars: Record<string, string>, opts: { port?: number } = {}): Promise<WorkerdServer> {
  const persist = mkdtempSync(path.join(tmpdir(), 'plexops-workerd-'));
  process.env.WRANGLER_SEND_METRICS ??= 'false';
  // Miniflare otherwise fetches Request.cf data from Cloudflare: tests stay on loopback.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  const worker = await unstable_startWorker({
    config: path.resolve(import.meta.dirname, '../../../wrangler.toml'),
    bindings: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { type: 'plain_text' as const, value: v }])),
    dev: {
      // Port 0 lets the kernel pick: picking a "free" port first and binding it later races
      // with other test files doing the same.
      server: { hostname: '127.0.0.1', port: opts.port ?? 0 },
      inspector: false,
      persist,
      logLevel: 'error',
      watch: false,
      liveReload: false,
    },
  });
  await worker.ready;
  const url = new URL(await worker.url);
  return {
    url: url.origin,
    port: Number(url.port),
    dispose: async () => {
      await worker.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
