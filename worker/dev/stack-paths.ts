/**
 * @module
 * Where the local stack keeps its state (`.data/`, git-ignored) and which ports it uses.
 * Ports come from the environment so two checkouts can run side by side.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA_DIR = path.join(ROOT, '.data');
export const PG_DATA_DIR = path.join(DATA_DIR, 'pg');
export const STACK_STATE_FILE = path.join(DATA_DIR, 'stack.json');
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
  wranglerPid?: number;
  /** False until /healthz answered: tools must not use a stack that is still starting. */
  ready: boolean;
}
