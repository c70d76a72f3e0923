/**
 * Issue 8 items 3 and 4: every cursor-paged admin list pages over rows that share a millisecond
 * (Postgres keeps microseconds) and rows with equal sort keys without skipping or repeating one,
 * and a tampered cursor — a date outside Postgres's range, a NUL, a wrong shape — is a 400.
 * Through the real app and a real Postgres; rows are inserted with exact timestamps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/test-db';
import { createTestClient, type TestClient } from '../support/test-app';
import { createAdminToken } from '../../src/services/auth/admin-tokens';
import { encodeCursor } from '../../src/lib/cursor';

let db: TestDb;
let client: TestClient;
let auth: Record<string, string>;

/** 5 rows per millisecond, 100 µs apart, and every 4th row shares its exact instant with the next. */
function instants(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const ms = Math.floor(i / 5);
    const us = i % 4 === 1 ? ((i - 1) % 5) * 100 : (i % 5) * 100;
    out.push(`2026-03-04 05:06:07.${String(ms).padStart(3, '0')}${String(us).padStart(3, '0')}+00`);
  }
  return out;
}

const N = 23;

beforeAll(async () => {
  db = await createTestDb();
  client = createTestClient(db);
  auth = { authorization: `Bearer ${(await createAdminToken(db.db, 'paging')).token}` };
  const at = instants(N);
  for (let i = 0; i < N; i++) {
    const id = (p: string) => `${p}_${String(i).padStart(3, '0')}${'x'.repeat(i % 3)}`;
    await db.raw.query(
      `INSERT INTO webhook_events (id, received_at, event, status, payload, headers) VALUES ($1, $2, 'media.play', 'processed', '{}'::jsonb, '{}'::jsonb)`,
      [id('whe'), at[i]],
    );
    await db.raw.query(`INSERT INTO jobs (id, kind, params, created_by, created_at, status) VALUES ($1, 'agent-selftest', '{}'::jsonb, 'test', $2, 'succeeded')`, [id('job'), at[i]]);
    await db.raw.query(
      `INSERT INTO plex_mappings (id, server_uuid, plex_guid, kind, status, created_at) VALUES ($1, 'srv', $2, 'show', 'conflict', $3)`,
      [id('pmp'), `plex://show/${i}`, at[i]],
    );
    await db.raw.query(`INSERT INTO match_conflicts (id, mapping_id, candidates, reason, created_at) VALUES ($1, $2, '[]'::jsonb, 'ambiguous', $3)`, [id('mcf'), id('pmp'), at[i]]);
  }
  // Titles that sort equal (case) and titles whose lower-casing differs between JavaScript and
  // Postgres in a C-collated database (Ä stays Ä in SQL, becomes ä in JS).
  const titles = ['Alpha', 'alpha', 'ALPHA', 'Ärger 1', 'Ärger 2', 'Ärger 3', 'Émile', 'Beta', 'beta', 'Zed', 'Über', 'über'];
  for (const [i, title] of titles.entries()) {
    await db.raw.query(`INSERT INTO shows (id, title) VALUES ($1, $2)`, [`shw_${String(i).padStart(3, '0')}`, title]);
    await db.raw.query(`INSERT INTO movies (id, title) VALUES ($1, $2)`, [`mov_${String(i).padStart(3, '0')}`, title]);
  }
});
afterAll(() => db?.drop());

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await client.request(path, { headers: auth });
  return { status: res.status, body: await res.json() };
}

/** Every id the list returns, page by page (bounded), in order. */
async function pageAll(path: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 200; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    ids.push(...r.body.items.map((x: { id: string }) => x.id));
    cursor = r.body.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('paging did not end');
}

const LISTS = [
  { name: 'webhook log', path: '/api/plex/logs', count: N },
  { name: 'jobs', path: '/api/jobs', count: N },
  { name: 'mappings', path: '/api/plex/mappings', count: N },
  { name: 'conflicts', path: '/api/plex/conflicts?status=all', count: N },
  { name: 'shows', path: '/api/shows', count: 12 },
  { name: 'movies', path: '/api/movies', count: 12 },
];

describe('keyset paging skips nothing', () => {
  it.each(LISTS)('$name: limit 1, 2, 3 and 7 return every row exactly once, in the one-page order', async ({ path, count }) => {
    const all = await pageAll(path, 200);
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    for (const limit of [1, 2, 3, 7]) expect(await pageAll(path, limit), `limit ${limit}`).toEqual(all);
  });
});

describe('tampered cursors are a 400 with a reason, never a 500', () => {
  const tampered: Array<[string, string]> = [
    ['not base64 JSON', '%%%'],
    ['wrong arity', encodeCursor(['2026-03-04T05:06:07.000100Z'])],
    ['a number as the time', encodeCursor([1, 'whe_1'])],
    ['a date beyond Postgres', encodeCursor(['+275760-09-13T00:00:00.000Z', 'whe_1'])],
    ['a bare year', encodeCursor(['2026', 'whe_1'])],
    ['milliseconds only (old format)', encodeCursor(['2026-03-04T05:06:07.001Z', 'whe_1'])],
    ['February 30th', encodeCursor(['2026-02-30T00:00:00.000000Z', 'whe_1'])],
    ['year 0', encodeCursor(['0000-01-01T00:00:00.000000Z', 'whe_1'])],
    ['NUL in the time', encodeCursor(['2026-03-04T05:06:07.000100Z\u0000', 'whe_1'])],
    ['NUL in the id', encodeCursor(['2026-03-04T05:06:07.000100Z', 'whe_\u0000'])],
    ['a lone surrogate in the id', encodeCursor(['2026-03-04T05:06:07.000100Z', 'whe_\ud800'])],
    ['infinity', encodeCursor(['infinity', 'whe_1'])],
  ];
  const timeLists = LISTS.filter((l) => !['shows', 'movies'].includes(l.name));
  it.each(timeLists)('$name', async ({ path }) => {
    for (const [what, cursor] of tampered) {
      const sep = path.includes('?') ? '&' : '?';
      const r = await get(`${path}${sep}cursor=${encodeURIComponent(cursor)}`);
      expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.message).toMatch(/cursor is invalid/);
    }
  });

  it.each(['/api/shows', '/api/movies'])('%s (title cursors)', async (path) => {
    for (const cursor of [encodeCursor(['alpha\u0000', 'shw_1']), encodeCursor(['alpha', 'shw_\u0000']), encodeCursor(['\ud800', 'shw_1']), encodeCursor([7, 'shw_1']), encodeCursor(['x'.repeat(5000), 'shw_1'])]) {
      const r = await get(`${path}?cursor=${encodeURIComponent(cursor)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
    }
  });
});
