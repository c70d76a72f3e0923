/**
 * @module
 * The REAL Litestream binary for tests: v0.3.13 as shipped by the npm package
 * `@flydotio/litestream-linux-x64` (a devDependency). Writes v0.3 config files for an S3 replica,
 * runs the one-shot commands (`generations`, `snapshots`, `wal`, `restore`) with a timeout, and runs
 * `replicate` — a server in v0.3, which has no `-once` — until the replica lists a snapshot, then
 * stops it with SIGTERM (SIGKILL if it overstays), as the migration job must.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
export const LITESTREAM_BIN = join(dirname(require.resolve('@flydotio/litestream-linux-x64/package.json')), 'litestream');

export interface S3ReplicaConfig {
  dbPath: string;
  bucket: string;
  /** Path inside the bucket, e.g. `overseerr/db`. */
  path: string;
  endpoint: string;
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
  syncInterval?: string;
  snapshotInterval?: string;
}

/** A litestream.yml for one DB with one S3 replica (v0.3 `dbs[].replicas[]` layout). */
export function litestreamYaml(c: S3ReplicaConfig): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'dbs:',
    `  - path: ${q(c.dbPath)}`,
    '    replicas:',
    '      - type: s3',
    `        bucket: ${q(c.bucket)}`,
    `        path: ${q(c.path)}`,
    `        endpoint: ${q(c.endpoint)}`,
    `        region: ${q(c.region ?? 'us-east-1')}`,
    `        access-key-id: ${q(c.accessKeyId)}`,
    `        secret-access-key: ${q(c.secretAccessKey)}`,
    ...(c.forcePathStyle === undefined ? [] : [`        force-path-style: ${c.forcePathStyle}`]),
    `        sync-interval: ${c.syncInterval ?? '200ms'}`,
    ...(c.snapshotInterval ? [`        snapshot-interval: ${c.snapshotInterval}`] : []),
    '',
  ].join('\n');
}

export async function writeLitestreamConfig(file: string, c: S3ReplicaConfig): Promise<string> {
  await writeFile(file, litestreamYaml(c), { mode: 0o600 });
  return file;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `litestream <args>` to completion (killed after `timeoutMs`). */
export function runLitestream(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(LITESTREAM_BIN, args, { env: opts.env ?? { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses the tab-aligned table `litestream generations|snapshots|wal` prints into rows. */
export function parseTable(stdout: string): Array<Record<string, string>> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const [head, ...rows] = lines;
  if (!head) return [];
  const cols = head.trim().split(/\s+/);
  return rows.map((r) => Object.fromEntries(r.trim().split(/\s+/).map((v, i) => [cols[i] ?? String(i), v])));
}

export interface ReplicateOutcome {
  snapshots: Array<Record<string, string>>;
  /** What `replicate` logged before it was stopped. */
  log: string;
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Runs `litestream replicate -config <config>` until `litestream snapshots` lists one for `dbPath`,
 * then stops it with SIGTERM. Throws (after killing it) if no snapshot appears within `timeoutMs`
 * or replicate exits first.
 */
export async function replicateUntilSnapshot(config: string, dbPath: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ReplicateOutcome> {
  const child = spawn(LITESTREAM_BIN, ['replicate', '-config', config], { env: opts.env ?? { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let running = true;
  void exited.then(() => (running = false));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  try {
    while (running && Date.now() < deadline) {
      const r = await runLitestream(['snapshots', '-config', config, dbPath], { ...(opts.env ? { env: opts.env } : {}), timeoutMs: 10_000 });
      const snapshots = r.code === 0 ? parseTable(r.stdout) : [];
      if (snapshots.length > 0) {
        child.kill('SIGTERM');
        const exit = await Promise.race([exited, new Promise<undefined>((res) => setTimeout(res, 5000))]);
        if (!exit) child.kill('SIGKILL');
        return { snapshots, log, exit: exit ?? (await exited) };
      }
      await new Promise((r2) => setTimeout(r2, 100));
    }
  } finally {
    if (running) child.kill('SIGKILL');
  }
  throw new Error(`litestream replicate wrote no snapshot (${running ? 'timed out' : 'exited'}): ${log}`);
}
