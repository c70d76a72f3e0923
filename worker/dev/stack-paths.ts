/**
 * @module
 * Where the local stack keeps its state (`.data/`, git-ignored) and which ports it uses.
 * Ports and the data directory come from the environment so two checkouts (or a test next to
 * a developer's own stack) can run side by side.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA_DIR = path.resolve(process.env.PLEXOPS_DATA_DIR || path.join(ROOT, '.data'));
export const PG_DATA_DIR = path.join(DATA_DIR, 'pg');
export const STACK_STATE_FILE = path.join(DATA_DIR, 'stack.json');
/** The local SECRETS_KEY, generated on the first `npm start` (mode 0600). */
export const SECRETS_KEY_FILE = path.join(DATA_DIR, 'secrets.key');
/** Secrets handed to `wrangler dev` through a file (mode 0600) rather than its command line. */
export const WORKER_ENV_FILE = path.join(DATA_DIR, 'worker.env');
export const LOCAL_DB_NAME = 'plexops';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a TCP port number, got "${raw}"`);
  return n;
}

/** Defaults sit below Linux's ephemeral range (32768+), where other programs' random ports land. */
export function stackPorts() {
  return {
    http: port('PLEXOPS_PORT', 8787),
    pg: port('PLEXOPS_PG_PORT', 15432),
    ws: port('PLEXOPS_WS_PORT', 15433),
  };
}

/** What a running stack writes so `npm run admin:token` can find it. */
export interface StackState {
  pid: number;
  url: string;
  pgUrl: string;
  wsProxy: string;
  startedAt: string;
  postgresPid?: number;
  /** wrangler's launcher; it leads its own process group, which holds wrangler, workerd and esbuild. */
  wranglerPid?: number;
  /** False until /healthz answered: tools must not use a stack that is still starting. */
  ready: boolean;
}
