/**
 * @module
 * `npm run bench:webhook [-- --seconds=10 --concurrency=2 --shows=50 --auth=password|scram]`
 *
 * Drives the real Worker (workerd, on a loopback port) against a throwaway embedded Postgres
 * through the production Neon driver + WebSocket proxy, with realistic Plex multipart scrobbles
 * (payload JSON + JPEG thumb part, PMS User-Agent) for shows the catalog already knows. Each
 * delivery is a distinct account × episode, so none is short-circuited as a duplicate. Prints,
 * side by side in the same run, throughput and p50/p99 latency of:
 * - webhook:  POST /webhooks/plex/:secret — secret + rate limit + config (1 query), parse, dedup +
 *             store (1 statement), 200, then processing in waitUntil (match → play → watch state);
 * - baseline: POST /webhooks/bench-baseline (only with BENCH_BASELINE=1) — parse + one INSERT.
 * Also reports how long the webhook's background processing took to drain after the run.
 * Targets: webhook p99 ≤ 50 ms; webhook throughput ≥ 50% of baseline. Stops by itself.
 */
import { mkdtempSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import ws from 'ws';
import { createDb } from '../src/db/client';
import { createAdminToken } from '../src/services/auth/admin-tokens';
import { fixture, plexMultipart, variant } from '../test/fixtures/plex';
import { startLocalPostgres } from '../dev/postgres';
import { startWsProxy } from '../dev/ws-proxy';
import { applyMigrations, ensureDatabase } from '../dev/migrate';
import { freePort } from '../dev/ports';
import { startWorkerdServer, type WorkerdServer } from '../test/support/workerd-server';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const SECONDS = Number(arg('seconds', '10'));
const CONCURRENCY = Number(arg('concurrency', '2'));
const SHOWS = Number(arg('shows', '50'));
/**
 * `password` (default): Postgres asks for the password in clear, as Neon's proxy does over TLS in
 * production. `scram`: the local dev default; the Neon driver then runs SCRAM's 4096-round PBKDF2
 * in JavaScript on every new connection (~tens of ms of CPU per request), which production never pays.
 */
const AUTH = arg('auth', 'password');
const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

let seq = 0;
const SYLLABLES = ['ka', 'lor', 'vem', 'tis', 'dru', 'nox', 'pel', 'quo', 'rha', 'sif', 'umb', 'wex', 'yal', 'zor', 'bri', 'cth'];
/** Distinct, unalike show titles (trigram-distant), so each seeds its own mapping instead of a conflict. */
function showTitle(k: number): string {
  const a = SYLLABLES[k % 16]!;
  const b = SYLLABLES[(k * 7 + 3) % 16]!;
  const c = SYLLABLES[(k * 11 + 5) % 16]!;
  const word = `${a}${b}${c}`;
  return `${word[0]!.toUpperCase()}${word.slice(1)} ${['Station', 'Harbor', 'Files', 'Legacy', 'Road', 'Circle', 'Empire', 'Voyage'][Math.floor(k / 16) % 8]}`;
}

/** A scrobble of episode n of show k, by account a: legacy TVDB agent, like most real libraries. */
function scrobble(show: number, n: number, account: number) {
  const tvdb = 300_000 + show;
  const season = 1 + Math.floor(n / 20);
  const ep = 1 + (n % 20);
  return plexMultipart(
    variant(
      fixture('episode-legacy-thetvdb.scrobble'),
      {
        ratingKey: `${show}-${season}-${ep}`,
        grandparentRatingKey: `show-${show}`,
        guid: `com.plexapp.agents.thetvdb://${tvdb}/${season}/${ep}?lang=en`,
        parentGuid: `com.plexapp.agents.thetvdb://${tvdb}/${season}?lang=en`,
        grandparentGuid: `com.plexapp.agents.thetvdb://${tvdb}?lang=en`,
        grandparentTitle: showTitle(show),
        title: `Episode ${ep}`,
        parentIndex: season,
        index: ep,
      },
      { Account: { id: account, title: `user${account}` } },
    ),
    { thumb: true },
  );
}

interface Run {
  name: string;
  ok: number;
  errors: number;
  latencies: number[];
  seconds: number;
}

async function drive(name: string, url: string, seconds: number, next: () => ReturnType<typeof scrobble>): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const d = next();
        const t0 = performance.now();
        const res = await fetch(url, { method: 'POST', body: d.body, headers: d.headers }).catch(() => null);
        const body = res ? await res.text() : '';
        const ms = performance.now() - t0;
        if (res?.status === 200 && body.includes('"accepted"')) latencies.push(ms);
        else errors++;
      }
    }),
  );
  return { name, ok: latencies.length, errors, latencies, seconds: (performance.now() - started) / 1000 };
}

function row(r: Run): string {
  const cells = [r.name.padEnd(9), (r.ok / r.seconds).toFixed(1).padStart(8), pct(r.latencies, 50).toFixed(1).padStart(7), pct(r.latencies, 99).toFixed(1).padStart(7), String(r.ok).padStart(6), String(r.errors).padStart(6)];
  return cells.join('  ');
}

interface Env {
  url(db: string): string;
  wsProxy: string;
  startWorker(vars: Record<string, string>): Promise<WorkerdServer>;
  close(): Promise<void>;
}

async function startEnv(): Promise<Env> {
  const root = mkdtempSync(path.join(tmpdir(), 'plexops-bench-webhook-'));
  chmodSync(root, 0o755);
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const server = await startLocalPostgres({ dataDir, port, ephemeral: true });
  if (AUTH === 'password') {
    const hba = path.join(dataDir, 'pg_hba.conf');
    writeFileSync(hba, readFileSync(hba, 'utf8').replace(/scram-sha-256/g, 'password'));
    const c = new pg.Client({ connectionString: server.urlFor('postgres') });
    await c.connect();
    await c.query('SELECT pg_reload_conf()');
    await c.end();
  }
  const proxy = await startWsProxy({ allow: [`127.0.0.1:${port}`] });
  await ensureDatabase(server.urlFor('postgres'), 'bench_webhook');
  await applyMigrations(server.urlFor('bench_webhook'));
  const workers: WorkerdServer[] = [];
  return {
    url: (db) => server.urlFor(db),
    wsProxy: proxy.address,
    async startWorker(vars) {
      const w = await startWorkerdServer({ DATABASE_URL: server.urlFor('bench_webhook'), DB_WS_PROXY: proxy.address, ENVIRONMENT: 'test', ...vars });
      workers.push(w);
      return w;
    },
    async close() {
      for (const w of workers) await w.dispose().catch(() => undefined);
      await proxy.close();
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const env = await startEnv();
  const raw = new pg.Client({ connectionString: env.url('bench_webhook') });
  try {
    await raw.connect();
    const h = createDb({ url: env.url('bench_webhook'), wsProxy: env.wsProxy, webSocketConstructor: ws });
    const { token } = await createAdminToken(h.db, 'bench');
    await h.end();
    const worker = await env.startWorker({ SECRETS_KEY, BENCH_BASELINE: '1', TMDB_URL: 'http://127.0.0.1:9' });
    const put = await fetch(`${worker.url}/api/plex/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimitPerMinute: 100_000 }),
    });
    if (!put.ok) throw new Error(`config PUT failed: ${put.status} ${await put.text()}`);
    const { webhookUrl } = (await put.json()) as { webhookUrl: string };
    const baselineUrl = `${worker.url}/webhooks/bench-baseline`;

    // Seed: one delivery per show creates the show and its mapping (as a real library's history would).
    for (let s = 0; s < SHOWS; s++) await fetch(webhookUrl, { method: 'POST', ...(({ body, headers }) => ({ body, headers }))(scrobble(s, 0, 1)) });
    const known = await raw.query<{ n: string }>('SELECT count(*) AS n FROM plex_mappings');
    console.log(`seeded ${known.rows[0]?.n} known shows; ${CONCURRENCY} concurrent senders, ${SECONDS} s per endpoint; Postgres auth: ${AUTH}`);

    let account = 1000;
    const next = () => scrobble(seq++ % SHOWS, 1 + (seq % 39), account + Math.floor(seq / (SHOWS * 39)));
    // Warm both paths (isolate, JIT, connection set-up) before measuring.
    await drive('warm', webhookUrl, 2, next);
    await drive('warm', baselineUrl, 2, next);
    account = 50_000;
    const runs: Run[] = [];
    // Interleaved halves so drift (e.g. autovacuum) hits both alike.
    for (let half = 0; half < 2; half++) {
      runs.push(await drive('webhook', webhookUrl, SECONDS / 2, next));
      runs.push(await drive('baseline', baselineUrl, SECONDS / 2, next));
    }
    const merge = (name: string): Run => {
      const rs = runs.filter((r) => r.name === name);
      return { name, ok: rs.reduce((n, r) => n + r.ok, 0), errors: rs.reduce((n, r) => n + r.errors, 0), latencies: rs.flatMap((r) => r.latencies), seconds: rs.reduce((n, r) => n + r.seconds, 0) };
    };
    const hook = merge('webhook');
    const base = merge('baseline');

    const drainStart = performance.now();
    let pending = Infinity;
    while (pending > 0 && performance.now() - drainStart < 60_000) {
      pending = Number((await raw.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_events WHERE status = 'pending'`)).rows[0]?.n ?? 0);
      if (pending > 0) await sleep(100);
    }
    const outcome = await raw.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM webhook_events WHERE id LIKE 'whe_%' GROUP BY status ORDER BY status`);
    const plays = await raw.query<{ n: string }>('SELECT count(*) AS n FROM plays');

    console.log('');
    console.log('endpoint   req/s      p50 ms  p99 ms     ok  errors');
    console.log(row(hook));
    console.log(row(base));
    const ratio = hook.ok / hook.seconds / (base.ok / base.seconds);
    const p99 = pct(hook.latencies, 99);
    console.log('');
    console.log(`webhook throughput = ${(ratio * 100).toFixed(0)}% of baseline (target ≥ 50%): ${ratio >= 0.5 ? 'PASS' : 'FAIL'}`);
    console.log(`webhook p99 = ${p99.toFixed(1)} ms (target ≤ 50 ms): ${p99 <= 50 ? 'PASS' : 'FAIL'}`);
    console.log(`background processing drained ${((performance.now() - drainStart) / 1000).toFixed(1)} s after the run; still pending: ${pending}`);
    console.log(`events by status: ${outcome.rows.map((r) => `${r.status}=${r.n}`).join(' ')}; plays recorded: ${plays.rows[0]?.n}`);
    process.exitCode = ratio >= 0.5 && p99 <= 50 ? 0 : 1;
  } finally {
    await raw.end().catch(() => undefined);
    await env.close();
  }
}

await main();
