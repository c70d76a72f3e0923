/**
 * @module
 * The real Worker (wrangler.toml, bundled by wrangler, run in workerd) listening on a real
 * loopback port, for tests and benchmarks that need HTTP from other processes: the agent
 * daemon, webhook senders, a browser. Bindings point it at a test database.
 */
import { unstable_startWorker } from 'wrangler';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WorkerdServer {
  url: string;
  port: number;
  /** The workerd process listening on `port` (crash tests kill it with SIGKILL). */
  pid(): number;
  dispose(): Promise<void>;
}

/** The pid of the process listening on a loopback TCP port, from `ss` (iproute2). */
export function listenerPid(port: number): number {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (!pid) throw new Error(`nothing listens on 127.0.0.1:${port}`);
  return Number(pid);
}

export interface WorkerdServerOptions {
  /** Listen here (default: a port the kernel picks). A restart after a crash reuses the old one. */
  port?: number;
  /**
   * Durable Object storage (alarms included) lives here. Default: a fresh temp dir removed on
   * dispose; pass one to keep state across a restart (then the caller removes it).
   */
  persist?: string;
}

export async function startWorkerdServer(vars: Record<string, string>, opts: WorkerdServerOptions = {}): Promise<WorkerdServer> {
  const persist = opts.persist ?? mkdtempSync(path.join(tmpdir(), 'plexops-workerd-'));
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
    pid: () => listenerPid(Number(url.port)),
    dispose: async () => {
      await worker.dispose();
      if (!opts.persist) rmSync(persist, { recursive: true, force: true });
    },
  };
}
