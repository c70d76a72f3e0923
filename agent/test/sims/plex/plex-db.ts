/**
 * @module plex-sim/plex-db
 * The PMS simulator's access to a Plex library DB — through the "Plex SQLite" binary, as anything that reads a
 * Plex DB must (its schema uses the icu_root collation stock SQLite lacks). Queries run as `Plex SQLite -json`
 * child processes; values are inlined as SQL literals by the `sql` tagged template (never string-pasted).
 * While the server runs it also keeps the DBs open in a holder process, as a running Plex Media Server does,
 * so other readers never checkpoint away the -wal under it; the holder exits without closing (no checkpoint)
 * when the server stops, as a Plex killed on stop would leave it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type SqlValue = string | number | bigint | boolean | null | undefined;

/** A SQL text with its values inlined as literals. */
export class Sql {
  constructor(readonly text: string) {}
}

export function literal(v: SqlValue): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v.includes('\0')) throw new Error('NUL in SQL text value');
  return `'${v.replace(/'/g, "''")}'`;
}

export function sql(strings: TemplateStringsArray, ...values: Array<SqlValue | Sql>): Sql {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += (v instanceof Sql ? v.text : literal(v)) + strings[i + 1]!;
  });
  return new Sql(out);
}

/** Holds connections open (see module doc); ends with os._exit so closing never checkpoints. */
const HOLDER = String.raw`
import os, sqlite3, sys
conns = []
for p in sys.argv[1:]:
    c = sqlite3.connect(p, isolation_level=None)
    c.execute('SELECT count(*) FROM sqlite_schema').fetchall()
    conns.append(c)
sys.stdout.write('held\n'); sys.stdout.flush()
sys.stdin.read()
os._exit(0)
`;

export class PlexDb {
  private holder?: ChildProcess;

  constructor(readonly path: string, readonly plexSqlite: string) {}

  /** Rows of a SELECT (or PRAGMA) as objects. */
  query<T = Record<string, unknown>>(q: Sql): Promise<T[]> {
    return new Promise((resolve, reject) => {
      // PMS waits for locks (other readers/writers of the DB), unlike the shell's default of failing at once.
      execFile(this.plexSqlite, ['-json', '-bail', '-cmd', '.timeout 10000', this.path, q.text], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`Plex SQLite: ${stderr.trim() || err.message}`));
        else resolve(stdout.trim() ? (JSON.parse(stdout) as T[]) : []);
      });
    });
  }

  /** Runs statements (in one transaction when given BEGIN/COMMIT). */
  async exec(q: Sql): Promise<void> {
    await this.query(q);
  }

  /** Creates the DB with Plex's schema when it does not exist (a fresh server). */
  async create(schema: string): Promise<void> {
    await this.exec(new Sql(`PRAGMA journal_mode=WAL; ${schema}`));
  }

  /** Opens the DBs in a holder process while the server runs. */
  hold(paths: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('/usr/bin/python3', ['-c', HOLDER, ...paths.filter((p) => existsSync(p))], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.holder = child;
      child.stdout!.once('data', () => resolve());
      child.on('error', reject);
      child.on('exit', (code) => code !== 0 && reject(new Error(`DB holder exited ${code}`)));
    });
  }

  release(): void {
    this.holder?.stdin?.end();
    this.holder = undefined;
  }
}

/** "Plex SQLite" beside the running "Plex Media Server" (same install directory), else the given path. */
export function plexSqliteBeside(serverBinary: string): string {
  return join(dirname(serverBinary), 'Plex SQLite');
}

export function readSchema(file: string): string {
  return readFileSync(file, 'utf8');
}
