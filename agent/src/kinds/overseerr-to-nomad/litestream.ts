/**
 * @module
 * The Litestream work `overseerr-to-nomad` does on the docker host, as POSIX sh scripts run over
 * ssh. Litestream v0.3 (the npm package's binary, v0.3.13) is what they drive:
 * - it has no `replicate -once`: `replicate` is a server. On SIGTERM it closes gracefully — a final
 *   sync of the DB's WAL into its shadow WAL and of that into the replica — and exits 0 only if
 *   that worked. The live seed relies on this: it runs `replicate` against the RUNNING Overseerr DB
 *   from before the approval, and the stop step, after `docker stop`, sends it SIGTERM so the
 *   replica catches up with the stopped DB.
 * - its list commands (`generations`, `snapshots`) log S3 errors yet exit 0: their output is read
 *   for `level=ERROR`.
 *
 * The replica credentials reach the host only on the script's stdin, are written to a mode-600
 * file for the duration of one script and removed by its EXIT trap (a `replicate` reads its config
 * once, at start). The live seed runs detached (setsid) under `timeout`, so a job cancelled while
 * waiting for the approval never leaves it running past `liveSeedHours`; its pid and log live in
 * the job's work dir, so a later run, the stop step and the rollback kind can find and stop it.
 * Scripts report facts as `@key value` lines on stdout; everything else goes to the job log.
 */
import type { OverseerrToNomadParams } from '../../../../worker/src/contracts/job-kinds';
import { COUNTS_SQL, type Counts, q } from './remote';

/** The job's work dir on the docker host (config, pid and log of the live seed, scratch restores). */
export const workDir = (backupDir: string, jobName: string): string => `${backupDir}/.plexops-${jobName}`;
export const dbPath = (configDir: string): string => `${configDir}/db/db.sqlite3`;

/** A v0.3 litestream.yml for the docker host's DB and the job's replica (credentials from the agent's env). */
export function litestreamYaml(p: OverseerrToNomadParams, configDir: string, key: string, secret: string): string {
  const l = p.litestream;
  return [
    'dbs:',
    `  - path: ${JSON.stringify(dbPath(configDir))}`,
    '    replicas:',
    '      - type: s3',
    `        bucket: ${JSON.stringify(l.bucket)}`,
    `        path: ${JSON.stringify(l.path)}`,
    `        endpoint: ${JSON.stringify(l.endpoint)}`,
    `        region: ${JSON.stringify(l.region)}`,
    `        force-path-style: ${l.forcePathStyle}`,
    `        access-key-id: ${JSON.stringify(key)}`,
    `        secret-access-key: ${JSON.stringify(secret)}`,
    '        sync-interval: 1s',
    '',
  ].join('\n');
}

/** Writes the config from stdin for the length of `body`; sets dir, cfg, db, pidf, log. */
function withConfig(dir: string, db: string, body: string[]): string {
  return [
    `dir=${q(dir)}; cfg="$dir/litestream.yml"; db=${q(db)}; pidf="$dir/replicate.pid"; log="$dir/replicate.log"`,
    'umask 077; mkdir -p "$dir" || exit 1',
    `trap 'rm -f "$cfg" "$cfg.debug"' EXIT`,
    'cat > "$cfg" || exit 1',
    ...body,
  ].join('\n');
}

/** Prints `@live <pid>` when the live seed of an earlier step or run is running (its pid is timeout's). */
const FIND_LIVE = [
  'live_pid() { p=$(cat "$pidf" 2>/dev/null) || return 1; [ -n "$p" ] && kill -0 "$p" 2>/dev/null && grep -q litestream "/proc/$p/cmdline" 2>/dev/null && echo "$p"; }',
];

/** Stops a running live seed with SIGTERM (its final sync) and waits ≤ 120 s; prints `@stopped <exit code>`. */
const STOP_LIVE = [
  ...FIND_LIVE,
  'stop_live() {',
  '  p=$(live_pid) || return 1',
  '  n=$(grep -c "^plexops: litestream exited" "$log" 2>/dev/null); n=${n:-0}',
  '  kill -TERM "$p"; i=0',
  '  while [ "$(grep -c "^plexops: litestream exited" "$log" 2>/dev/null)" -le "$n" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done',
  '  rc=$(sed -n "s/^plexops: litestream exited //p" "$log" | tail -n 1)',
  '  echo "@stopped ${rc:-timeout}"; [ "$rc" = 0 ]',
  '}',
];

/** `litestream generations` for the job's replica: `@generations id id …` or `@error <why>`. */
export function generationsScript(dir: string, db: string): string {
  return withConfig(dir, db, [
    'out=$(litestream generations -config "$cfg" "$db" 2>&1); rc=$?',
    'err=$(printf "%s\\n" "$out" | grep "level=ERROR" | head -n 1)',
    'if [ $rc -ne 0 ] || [ -n "$err" ]; then echo "@error ${err:-$(printf "%s\\n" "$out" | tail -n 1)}"; exit 0; fi',
    `echo "@generations $(printf "%s\\n" "$out" | awk '$1 == "s3" && $2 ~ /^[0-9a-f]+$/ && length($2) == 16 { printf "%s ", $2 }')"`,
    ...FIND_LIVE,
    'p=$(live_pid) && echo "@live $p"; exit 0',
  ]);
}

/**
 * Starts the live seed — `litestream replicate` against the running DB, detached, bounded by
 * `timeout` after `boundSeconds` — after stopping one left by an earlier run, and waits (≤ `waitSeconds`) until the
 * replica lists a snapshot. `@seeded <pid>` on success.
 */
export function liveSeedScript(dir: string, db: string, boundSeconds: number, waitSeconds: number): string {
  return withConfig(dir, db, [
    ...STOP_LIVE,
    'stop_live && echo "@note stopped the live seed of an earlier run"',
    ': > "$log"; rm -f "$pidf"',
    // timeout is the pid we signal: it passes SIGTERM on to litestream and exits with its status.
    `setsid sh -c 'timeout -s TERM "$1" litestream replicate -config "$2" & echo $! > "$3"; wait $!; echo "plexops: litestream exited $?"' plexops-live-seed ${boundSeconds}s "$cfg" "$pidf" >> "$log" 2>&1 < /dev/null &`,
    `i=0; end=$(( ${waitSeconds} * 5 ))`,
    'while [ $i -lt $end ]; do',
    '  p=$(cat "$pidf" 2>/dev/null)',
    '  if [ -n "$p" ]; then',
    `    if litestream snapshots -config "$cfg" "$db" 2>/dev/null | grep -q '^s3 '; then echo "@seeded $p"; exit 0; fi`,
    '    if ! kill -0 "$p" 2>/dev/null; then echo "@failed litestream replicate exited"; tail -n 5 "$log" >&2; exit 0; fi',
    '  fi',
    '  sleep 0.2; i=$((i+1))',
    'done',
    'stop_live; echo "@failed no snapshot within the wait"; tail -n 5 "$log" >&2; exit 0',
  ]);
}

/**
 * After `docker stop`: the live seed's final sync (SIGTERM), or — when it is not running (its
 * `liveSeedHours` ran out, the host rebooted) or its final sync failed — a catch-up run of
 * `replicate` on the stopped DB, stopped once it has synced (debug log "sync: ok"), which makes
 * its own final sync (a new snapshot first if Litestream started a new generation). Then, with
 * no replicator left, the WAL checkpoint, integrity check and row counts of the stopped DB.
 * `@sync live|catch-up`, `@checkpoint`, `@integrity`, `@counts`, or `@failed <why>`.
 */
export function finalSyncScript(dir: string, db: string, catchUpSeconds: number): string {
  return withConfig(dir, db, [
    ...STOP_LIVE,
    'if stop_live; then echo "@sync live"; else',
    '  echo "@note the live seed was not running or its final sync failed: catching up with a new replicate run"; tail -n 3 "$log" >&2',
    `  { printf 'logging:\\n  level: debug\\n'; cat "$cfg"; } > "$cfg.debug"`,
    '  : > "$log"',
    `  setsid sh -c 'litestream replicate -config "$1" & echo $! > "$2"; wait $!; echo "plexops: litestream exited $?"' plexops-catch-up "$cfg.debug" "$pidf" >> "$log" 2>&1 < /dev/null &`,
    `  i=0; while ! grep -q 'msg="sync: ok"' "$log" && [ $i -lt $(( ${catchUpSeconds} * 10 )) ]; do sleep 0.1; i=$((i+1)); done`,
    '  sleep 0.2',
    '  if stop_live; then echo "@sync catch-up"; else echo "@failed the replica could not be brought up to date"; grep -E "level=(ERROR|WARN)" "$log" | tail -n 3 >&2; exit 0; fi',
    'fi',
    `echo "@checkpoint $(sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' 2>&1)"`,
    `echo "@integrity $(sqlite3 -readonly "$db" 'PRAGMA integrity_check' 2>&1 | head -n 5 | tr '\\n' ' ')"`,
    `echo "@counts $(sqlite3 -readonly -json "$db" ${q(COUNTS_SQL)} 2>&1 | tr -d '\\n')"`,
  ]);
}

/** Restores the replica to a scratch path and reads it: `@integrity`, `@counts`, `@generations`, or `@failed`. */
export function restoreCheckScript(dir: string, db: string): string {
  return withConfig(dir, db, [
    'scratch="$dir/restore-check.sqlite3"; rm -f "$scratch" "$scratch-wal" "$scratch-shm"',
    `trap 'rm -f "$cfg" "$scratch" "$scratch-wal" "$scratch-shm"' EXIT`,
    'if ! litestream restore -config "$cfg" -o "$scratch" "$db" >&2; then echo "@failed litestream restore failed"; exit 0; fi',
    `echo "@integrity $(sqlite3 -readonly "$scratch" 'PRAGMA integrity_check' 2>&1 | head -n 5 | tr '\\n' ' ')"`,
    `echo "@counts $(sqlite3 -readonly -json "$scratch" ${q(COUNTS_SQL)} 2>&1 | tr -d '\\n')"`,
    `echo "@generations $(litestream generations -config "$cfg" "$db" 2>/dev/null | awk '$1 == "s3" && $2 ~ /^[0-9a-f]+$/ && length($2) == 16 { printf "%s ", $2 }')"`,
  ]);
}

/** Stops a live seed left running (rollback, a cancelled move): `@stopped <code>` or nothing. */
export function stopLiveSeedScript(dir: string): string {
  return [`dir=${q(dir)}; pidf="$dir/replicate.pid"; log="$dir/replicate.log"`, ...STOP_LIVE, 'stop_live; exit 0'].join('\n');
}

/** `@key value` lines of a script's stdout. */
export function facts(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const hit = /^@([a-z-]+)(?: (.*))?$/.exec(line);
    if (hit?.[1]) m.set(hit[1], (hit[2] ?? '').trim());
  }
  return m;
}

/** Integrity and counts from `@integrity`/`@counts` facts (undefined counts when unreadable). */
export function dbFactsFrom(f: Map<string, string>): { integrity: string; counts: Counts | undefined } {
  let counts: Counts | undefined;
  try {
    counts = (JSON.parse(f.get('counts') ?? '') as Counts[])[0];
  } catch {
    counts = undefined;
  }
  return { integrity: f.get('integrity') ?? '(no answer)', counts };
}
