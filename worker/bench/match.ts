/**
 * @module
 * `npm run bench:match` — fuzzy show lookup over 50,000 shows. Starts its own embedded Postgres on a
 * free loopback port, migrates it, seeds 50,000 plausible shows (deterministic: a seeded PRNG over
 * word lists), then times 500 misspelled/partial title lookups through the production path
 * (`showTitleCandidates`: drizzle + the Neon driver over the local WebSocket proxy) with the GIN
 * trigram index, and the same 500 lookups after dropping the index (sequential scan) as the
 * baseline. Direct node-postgres timings are printed too, to separate driver cost from query cost,
 * plus the plain `%` query at pg_trgm's default threshold (0.3) to show why the matcher raises it.
 * Target: indexed p50 ≤ 10 ms. Stops everything it started, and exits by itself.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import ws from 'ws';
import { startLocalPostgres } from '../dev/postgres';
import { startWsProxy } from '../dev/ws-proxy';
import { applyMigrations, ensureDatabase } from '../dev/migrate';
import { freePort } from '../dev/ports';
import { createDb } from '../src/db/client';
import { CANDIDATE_MIN_SIMILARITY, showTitleCandidates } from '../src/services/matching/catalog';

const SHOWS = 50_000;
const QUERIES = 500;
const WARMUP = 50;

/** xorshift32: tiny, deterministic, good enough to spread words. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T };
}

const FIRST = ['Amber', 'Black', 'Blue', 'Bright', 'Cold', 'Dark', 'Dead', 'Deep', 'Fallen', 'Final', 'Foreign', 'Grand', 'Green', 'Grey', 'High',
  'Hollow', 'Hungry', 'Lonely', 'Lucky', 'Mad', 'Modern', 'Mystic', 'New', 'Night', 'Old', 'Perfect', 'Quiet', 'Red', 'Royal', 'Rusty', 'Sacred',
  'Sharp', 'Silver', 'Small', 'Strange', 'Sweet', 'True', 'Twisted', 'Urban', 'Violet', 'Warm', 'White', 'Wicked', 'Young'];
const SECOND = ['Affairs', 'Agents', 'Alley', 'Angels', 'Bay', 'Blood', 'Bridge', 'Cabin', 'Chronicles', 'City', 'Class', 'Club', 'Coast', 'Code',
  'Country', 'County', 'Court', 'Creek', 'Days', 'Diaries', 'District', 'Doctors', 'Falls', 'Family', 'Files', 'Fire', 'Force', 'Friends', 'Games',
  'Girls', 'Heart', 'Heights', 'Hills', 'House', 'Hunters', 'Justice', 'Kids', 'Land', 'Lane', 'Legacy', 'Lies', 'Lines', 'Manor', 'Medicine',
  'Mirror', 'Money', 'Mountain', 'Nation', 'Nights', 'Office', 'Park', 'Patrol', 'Point', 'Power', 'River', 'Rules', 'Saga', 'School', 'Shadows',
  'Shore', 'Skies', 'Squad', 'Stories', 'Street', 'Streets', 'Tales', 'Town', 'Trail', 'Valley', 'Waters', 'Wives', 'World', 'Years', 'Zone'];
const TAILS = ['', '', '', '', ' of London', ' of the West', ' in Space', ' Reborn', ': The Return', ' Files', ' Academy', ' Nights', ' and Sons',
  ' Unit', ' Rising', ' of Secrets', ' Forever', ' Beyond', ': Origins', ' Confidential'];
const NAMES = ['Ada', 'Blake', 'Carmen', 'Dexter', 'Elena', 'Felix', 'Gloria', 'Hugo', 'Iris', 'Jonah', 'Kira', 'Leo', 'Mira', 'Nico', 'Olive',
  'Pablo', 'Quinn', 'Rosa', 'Sam', 'Tess', 'Uma', 'Victor', 'Wanda', 'Xavier', 'Yara', 'Zane'];

const SYLLABLES = ['ka', 'lo', 'ver', 'an', 'tis', 'mor', 'el', 'da', 'rin', 'so', 'bel', 'tor', 'mi', 'nax', 'ul', 'pra', 'gen', 'vo',
  'shi', 'ran', 'cor', 'lea', 'wyn', 'ost', 'ber', 'ja', 'quel', 'fen', 'ri', 'zan', 'hol', 'mar', 'ne', 'sta', 'ly', 'dor', 'ca', 'thu', 'vik',
  'sel', 'ga', 'pol', 'en', 'ro', 'win', 'tal', 'ys', 'kor'];
const WORDS = [...FIRST, ...SECOND, 'Abyss', 'Alibi', 'Anthem', 'Atlas', 'Avenue', 'Badge', 'Ballad', 'Banner', 'Beacon', 'Bloodline', 'Border',
  'Boundary', 'Breakers', 'Brigade', 'Cabaret', 'Canyon', 'Cartel', 'Castle', 'Cellar', 'Chase', 'Cipher', 'Clearing', 'Colony', 'Comet',
  'Compass', 'Convoy', 'Crossing', 'Current', 'Cutlass', 'Delta', 'Desert', 'Drift', 'Echo', 'Eclipse', 'Embers', 'Estate', 'Exile', 'Fable',
  'Factory', 'Fever', 'Fortune', 'Foundry', 'Gallery', 'Garrison', 'Glacier', 'Gravity', 'Harvest', 'Haven', 'Horizon', 'Inferno', 'Ivory',
  'Jungle', 'Keeper', 'Labyrinth', 'Lantern', 'Ledger', 'Machine', 'Marshal', 'Meadow', 'Mercy', 'Monarch', 'Mosaic', 'Motel', 'Narrows',
  'Nomad', 'Oasis', 'Outpost', 'Paradox', 'Parlour', 'Pilgrim', 'Pioneer', 'Prairie', 'Prophet', 'Quarry', 'Quartet', 'Radio', 'Rapids',
  'Reckoning', 'Refuge', 'Relic', 'Remedy', 'Ridge', 'Rogue', 'Runway', 'Salvage', 'Sanctuary', 'Satellite', 'Scandal', 'Sentinel', 'Siege',
  'Sirens', 'Spire', 'Spiral', 'Stallion', 'Static', 'Storm', 'Suburb', 'Syndicate', 'Tempest', 'Terminal', 'Thicket', 'Throne', 'Timber',
  'Tunnel', 'Tycoon', 'Undertow', 'Vault', 'Verdict', 'Voltage', 'Warden', 'Wilderness', 'Workshop', 'Zenith'];

/** An invented proper noun ("Korvana", "Elmith"): real catalogs are full of names, which is what keeps trigrams selective. */
function name(r: ReturnType<typeof rng>): string {
  const n = 2 + r.int(2);
  let s = '';
  for (let i = 0; i < n; i++) s += r.pick(SYLLABLES);
  return s[0]!.toUpperCase() + s.slice(1);
}

function makeTitle(r: ReturnType<typeof rng>): string {
  switch (r.int(8)) {
    case 0:
      return `The ${r.pick(WORDS)} ${r.pick(WORDS)}${r.pick(TAILS)}`;
    case 1:
      return `${r.pick(NAMES)}'s ${r.pick(WORDS)}`;
    case 2:
      return `${r.pick(WORDS)} of ${name(r)}`;
    case 3:
      return name(r);
    case 4:
      return `${name(r)} ${r.pick(WORDS)}`;
    case 5:
      return `The ${name(r)} ${r.pick(['Affair', 'Files', 'Project', 'Protocol', 'Chronicles', 'Diaries', 'Effect', 'Conspiracy'])}`;
    default:
      return `${r.pick(WORDS)} ${r.pick(WORDS)}${r.pick(TAILS)}`;
  }
}

/** A title as a person or a Plex library might get it wrong: typo, missing letter, swap, partial, no article. */
function mangle(title: string, r: ReturnType<typeof rng>): string {
  const chars = [...title];
  const at = 1 + r.int(Math.max(1, chars.length - 2));
  switch (r.int(5)) {
    case 0:
      chars[at] = 'aeiourstn'[r.int(9)] ?? 'e';
      return chars.join('');
    case 1:
      chars.splice(at, 1);
      return chars.join('');
    case 2: {
      const a = chars[at];
      chars[at] = chars[at - 1] ?? '';
      chars[at - 1] = a ?? '';
      return chars.join('');
    }
    case 3:
      return title.split(' ').slice(0, Math.max(2, title.split(' ').length - 1)).join(' ');
    default:
      return title.replace(/^The /, '').toLowerCase();
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const fmt = (n: number) => n.toFixed(2).padStart(8);

async function time(queries: string[], run: (q: string) => Promise<unknown>): Promise<number[]> {
  for (const q of queries.slice(0, WARMUP)) await run(q);
  const out: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    await run(q);
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const guard = setTimeout(() => {
    console.error('bench:match took longer than 10 minutes; giving up');
    process.exit(1);
  }, 10 * 60_000);
  guard.unref();

  const root = mkdtempSync(path.join(tmpdir(), 'plexops-bench-match-'));
  chmodSync(root, 0o755);
  const port = await freePort();
  console.log(`starting Postgres on 127.0.0.1:${port} …`);
  const server = await startLocalPostgres({ dataDir: path.join(root, 'data'), port, ephemeral: true });
  const proxy = await startWsProxy({ allow: [`127.0.0.1:${port}`] });
  const url = server.urlFor('bench');
  const raw = new pg.Client({ connectionString: url });
  const handle = { end: async () => undefined } as { end(): Promise<void> };
  try {
    await ensureDatabase(server.urlFor('postgres'), 'bench');
    await applyMigrations(url);
    await raw.connect();

    const r = rng(20_260_101);
    const titles = Array.from({ length: SHOWS }, () => makeTitle(r));
    const t0 = performance.now();
    for (let i = 0; i < SHOWS; i += 5000) {
      const chunk = titles.slice(i, i + 5000);
      await raw.query(
        `INSERT INTO shows (id, title, year, tmdb_id) SELECT 'shw_bench' || n, t, y, n FROM unnest($1::text[], $2::int[], $3::int[]) AS u(t, y, n)`,
        [chunk, chunk.map(() => 1950 + r.int(76)), chunk.map((_, k) => i + k + 1)],
      );
    }
    await raw.query('ANALYZE shows');
    console.log(`seeded ${SHOWS} shows in ${((performance.now() - t0) / 1000).toFixed(1)} s (GIN trigram index built by the migration, maintained on insert)`);

    const queries = Array.from({ length: QUERIES }, () => mangle(titles[r.int(SHOWS)] ?? '', r));
    console.log(`examples: ${queries.slice(0, 5).map((q) => JSON.stringify(q)).join(', ')}`);

    const app = createDb({ url, wsProxy: proxy.address, webSocketConstructor: ws, max: 1 });
    handle.end = app.end;
    const viaApp = (q: string) => showTitleCandidates(app.db, q);
    const direct = (q: string) =>
      raw.query(`SELECT id, title, original_title, year, tmdb_id FROM trgm_show_candidates($1, $2, 10)`, [q, CANDIDATE_MIN_SIMILARITY]);
    // For context: the plain query at pg_trgm's default threshold (0.3), which the function avoids.
    const defaultThreshold = (q: string) =>
      raw.query(`SELECT id FROM shows WHERE plexops_fold(title) % plexops_fold($1) ORDER BY similarity(plexops_fold(title), plexops_fold($1)) DESC, id LIMIT 10`, [q]);
    const plan = async () => {
      await raw.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, false)`, [String(CANDIDATE_MIN_SIMILARITY)]);
      const { rows } = await raw.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM shows WHERE plexops_fold(title) % plexops_fold($1) ORDER BY similarity(plexops_fold(title), plexops_fold($1)) DESC LIMIT 10`, [queries[0]]);
      await raw.query(`SELECT set_config('pg_trgm.similarity_threshold', '0.3', false)`);
      return rows.map((x) => /(Bitmap Index Scan on \w+|Seq Scan on \w+|Index Scan using \w+)/.exec(x['QUERY PLAN'])?.[1]).find(Boolean) ?? '?';
    };

    let hits = 0;
    for (const q of queries.slice(0, 50)) if ((await viaApp(q)).length > 0) hits++;
    const indexedPlan = await plan();
    const indexedApp = await time(queries, viaApp);
    const indexedDirect = await time(queries, direct);
    const indexedDefault = await time(queries, defaultThreshold);

    await raw.query('DROP INDEX shows_title_trgm_idx');
    await raw.query('ANALYZE shows');
    const seqPlan = await plan();
    const seqApp = await time(queries, viaApp);
    const seqDirect = await time(queries, direct);

    console.log(`\nfuzzy show lookup (similarity ≥ ${CANDIDATE_MIN_SIMILARITY}, top 10), ${QUERIES} misspelled/partial titles over ${SHOWS} shows (${hits}/50 sampled queries found candidates)\n`);
    console.log('                                      p50 ms   p95 ms   p99 ms');
    const line = (name: string, xs: number[]) => console.log(`${name.padEnd(36)}${fmt(pct(xs, 50))} ${fmt(pct(xs, 95))} ${fmt(pct(xs, 99))}`);
    line('GIN trigram index, app driver', indexedApp);
    line('GIN trigram index, direct pg', indexedDirect);
    line('GIN at pg_trgm default 0.3, direct', indexedDefault);
    line('baseline seq scan, app driver', seqApp);
    line('baseline seq scan, direct pg', seqDirect);
    console.log(`\nplans: indexed → ${indexedPlan}; baseline → ${seqPlan}`);
    const p50 = pct(indexedApp, 50);
    console.log(`target p50 ≤ 10 ms (app driver): ${p50 <= 10 ? 'met' : 'NOT met'} (${p50.toFixed(2)} ms); speed-up at p50 ×${(pct(seqApp, 50) / p50).toFixed(1)}`);
  } finally {
    await handle.end().catch(() => undefined);
    await raw.end().catch(() => undefined);
    await proxy.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
