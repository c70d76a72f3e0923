/**
 * @module
 * The sqlite3 command-line shell (Debian package `sqlite3`, installed by .ci/run) for test fixtures
 * and stand-ins: the same tool an operator would run on the docker host. `-json` output for
 * queries; scripts on stdin. `keepWal` sets `.dbconfig no_ckpt_on_close on`, so rows committed by the
 * script stay in the -wal file after it exits — as they do while Overseerr runs (and after a
 * `docker stop` kills it) — instead of being checkpointed into the main file on close.
 */
import { execFile } from 'node:child_process';

export const SQLITE_BIN = process.env.PLEXOPS_SQLITE3 ?? 'sqlite3';

function run(args: string[], input: string | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(SQLITE_BIN, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new Error(code === 'ENOENT' ? `${SQLITE_BIN} not found: apt-get install -y sqlite3 (.ci/run installs it)` : `sqlite3 failed: ${stderr.trim() || err.message}`));
        return;
      }
      if (stderr.trim()) {
        reject(new Error(`sqlite3: ${stderr.trim()}`));
        return;
      }
      resolve(stdout);
    });
    // The shell may exit before reading stdin (query mode): a closed pipe is not an error here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** Rows of one query as objects (`sqlite3 -json`); `readonly` never checkpoints or removes the WAL. */
export async function sqliteQuery<T = Record<string, unknown>>(db: string, sql: string, opts: { readonly?: boolean; timeoutMs?: number } = {}): Promise<T[]> {
  const out = await run([...(opts.readonly ? ['-readonly'] : []), '-json', '-bail', db, sql], undefined, opts.timeoutMs ?? 30_000);
  return out.trim() === '' ? [] : (JSON.parse(out) as T[]);
}

/** Runs a SQL script; with `keepWal`, committed rows stay in the -wal file after the shell exits. */
export async function sqliteExec(db: string, script: string, opts: { keepWal?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const prelude = opts.keepWal ? '.output /dev/null\n.dbconfig no_ckpt_on_close on\n.output stdout\n' : '';
  await run(['-bail', '-batch', db], `${prelude}${script}\n`, opts.timeoutMs ?? 120_000);
}

/** `PRAGMA integrity_check` → 'ok' or the first problems. */
export async function integrityCheck(db: string): Promise<string> {
  const rows = await sqliteQuery<{ integrity_check: string }>(db, 'PRAGMA integrity_check', { readonly: true });
  return rows.map((r) => r.integrity_check).join('\n');
}
