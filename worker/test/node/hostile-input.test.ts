/**
 * Issue 8, "done means": a generated, bounded hostile-input suite for the public webhook and the
 * admin API. A seeded generator mutates real Plex deliveries and admin requests with the values
 * the review used and their relatives — NUL and lone surrogates in values and keys, integers past
 * int4 and past 2⁵³, huge strings, wrong types, percent-encoded garbage in paths, tampered
 * cursors and headers — and asserts, for every one: no 5xx, and nothing accepted and lost (an
 * accepted delivery has a stored row that processing finished; a refused-but-kept one is stored
 * as failed with a sentence, not SQL). Through the real app and a real Postgres; the same seed
 * gives the same cases, so a failure names a reproducible case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, plexMultipart, type Payload } from '../fixtures/plex';
import { createHarness, rows, type Harness } from './plex/harness';
import { findUnstorable } from '../../src/contracts/storable';

const SEED = 0x5eed8;
const WEBHOOK_CASES = 220;
const ADMIN_CASES = 260;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

const HOSTILE_TEXT = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', 'x\ud800y', '\udc00\ud800', '\u0000\ud83d', '', ' ', '😀', '\ufffd', "' OR 1=1 --", '%00', '\\u0000', 'x'.repeat(70_000), '\u202e\u200b', '<script>alert(1)</script>'];
const HOSTILE_NUMBERS = [2147483648, -2147483649, 1e10, 9e15, 1e20, 1e308, -1, 0.5, Number.MAX_SAFE_INTEGER + 2, '2147483648', '1e400', 'NaN', '-0'];
const HOSTILE_OTHER = [null, true, {}, [], [1, 2], { nested: '\u0000' }];
const HOSTILE_VALUES = [...HOSTILE_TEXT, ...HOSTILE_NUMBERS, ...HOSTILE_OTHER];

const PAYLOAD_FIELDS = [
  ['event'],
  ['Account', 'id'],
  ['Account', 'title'],
  ['Server', 'uuid'],
  ['Server', 'title'],
  ['Player', 'title'],
  ['Metadata', 'type'],
  ['Metadata', 'title'],
  ['Metadata', 'grandparentTitle'],
  ['Metadata', 'guid'],
  ['Metadata', 'grandparentGuid'],
  ['Metadata', 'ratingKey'],
  ['Metadata', 'index'],
  ['Metadata', 'parentIndex'],
  ['Metadata', 'year'],
  ['Metadata', 'duration'],
  ['Metadata', 'viewOffset'],
  ['Metadata', 'viewCount'],
  ['Metadata', 'userRating'],
  ['Metadata', 'Guid'],
] as const;

const BASES = ['episode-legacy-thetvdb.scrobble', 'episode-legacy.play', 'episode-new-agent-guids.scrobble', 'movie-new-agent.scrobble', 'episode-legacy.rate', 'library-new.show'];

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

interface WebhookCase {
  n: number;
  what: string;
  payload: Payload;
  asJson: boolean;
}

function webhookCases(): WebhookCase[] {
  const r = prng(SEED);
  return Array.from({ length: WEBHOOK_CASES }, (_, n) => {
    const payload = fixture(r.pick(BASES));
    // Distinct items, so dedup does not hide what processing would do with a case.
    setPath(payload, ['Metadata', 'ratingKey'], `hostile-${n}`);
    const what: string[] = [];
    for (let m = 1 + r.int(3); m > 0; m--) {
      if (r.next() < 0.15) {
        const key = r.pick(['k\u0000', 'k\ud800', '\u0000', 'Metadata\u0000']);
        const where = r.next() < 0.5 ? payload : ((payload.Metadata ??= {}) as Record<string, unknown>);
        where[key] = r.pick(HOSTILE_VALUES);
        what.push(`key ${JSON.stringify(key)}`);
      } else {
        const field = r.pick(PAYLOAD_FIELDS);
        const value = r.pick(HOSTILE_VALUES);
        setPath(payload, field, value);
        what.push(`${field.join('.')}=${JSON.stringify(value)?.slice(0, 30)}`);
      }
    }
    return { n, what: what.join(', '), payload, asJson: r.next() < 0.2 };
  });
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 100_000 });
}, 60_000);
afterAll(() => h?.dispose());

describe('hostile webhook deliveries (generated)', () => {
  it(`${WEBHOOK_CASES} cases: never a 5xx; every accepted delivery is stored and processed to a final state; refusals that keep the delivery say so`, { timeout: 240_000 }, async () => {
    const outcomes = { accepted: 0, other200: 0, keptRefusals: 0, refused: 0 };
    for (const c of webhookCases()) {
      const label = `case ${c.n} (${c.what})`;
      const res = c.asJson
        ? await h.client.request(h.hookPath, { method: 'POST', body: JSON.stringify(c.payload), headers: { 'content-type': 'application/json' } })
        : await h.deliver(c.payload, { thumb: false });
      const body = (await res.json()) as { status?: string; id?: string; error?: { code: string; message: string } };
      expect(res.status, `${label}: ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(500);
      if (res.status === 200) {
        expect(['accepted', 'duplicate', 'ignored'], label).toContain(body.status);
        const [row] = await rows<{ status: string; error: string | null }>(h.db, 'SELECT status, error FROM webhook_events WHERE id = $1', [body.id]);
        expect(row, `${label}: stored`).toBeDefined();
        expect(row!.status, `${label}: processed to a final state`).not.toBe('pending');
        if (body.status === 'accepted') outcomes.accepted++;
        else outcomes.other200++;
      } else {
        expect(res.status, label).toBe(400);
        expect(body.error?.message, label).toMatch(/\S/);
        const kept = /stored as (whe_[\w-]+)/.exec(body.error!.message)?.[1];
        if (kept) {
          const [row] = await rows<{ status: string; payload: unknown }>(h.db, 'SELECT status, payload FROM webhook_events WHERE id = $1', [kept]);
          expect(row, `${label}: kept`).toMatchObject({ status: 'failed' });
          expect(findUnstorable(row!.payload), label).toBeNull();
          outcomes.keptRefusals++;
        } else outcomes.refused++;
      }
    }
    // The generator reaches every outcome (or it tests less than it claims).
    expect(outcomes.accepted).toBeGreaterThan(10);
    expect(outcomes.keptRefusals).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(2);
    const [bad] = await rows<{ n: number }>(
      h.db,
      `SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending' OR error ~* '(failed query|select |insert |update webhook|params:)'`,
    );
    expect(bad!.n).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The admin API

/** What can go in a URL: percent-encoded garbage as an attacker would type it, not just valid UTF-8. */
const HOSTILE_URL = ['%00', 'a%00b', '%ED%A0%80', '%FF', '%', '%E2%82', '..%2F..%2Fetc', 'x'.repeat(5000), '-1', '99999999999', '1e400', "'%20OR%201=1", '%F0%9F%98%80', 'whe_%00'];
const HOSTILE_CURSORS = [
  btoa(JSON.stringify(['+275760-09-13T00:00:00.000Z', 'x'])),
  btoa(JSON.stringify(['2026', 'x'])),
  btoa(JSON.stringify(['2026-01-01T00:00:00.000000Z', 'a\u0000'])),
  btoa(JSON.stringify(['a\u0000', 'x'])),
  btoa(JSON.stringify([1e400, null])),
  btoa('['),
  'not-base64!',
];

interface AdminCase {
  what: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

function hostileJson(r: ReturnType<typeof prng>): unknown {
  const v = r.pick(HOSTILE_VALUES);
  if (r.next() < 0.2) return { [r.pick(['k\u0000', 'k\ud800', 'ok'])]: v, deep: [{ x: r.pick(HOSTILE_TEXT) }] };
  return v;
}

function adminCases(ids: { episode: string; show: string; event: string; job: string }): AdminCase[] {
  const r = prng(SEED + 1);
  const u = () => r.pick(HOSTILE_URL);
  const q = () => (r.next() < 0.3 ? encodeURIComponent(r.pick(HOSTILE_CURSORS)) : u());
  const j = (o: unknown) => JSON.stringify(o);
  const makers: Array<() => AdminCase> = [
    () => ({ what: 'webhook log query', method: 'GET', path: `/api/plex/logs?event=${u()}&status=${u()}&limit=${u()}&cursor=${q()}` }),
    () => ({ what: 'webhook log event filter', method: 'GET', path: `/api/plex/logs?event=${u()}` }),
    () => ({ what: 'shows search', method: 'GET', path: `/api/shows?query=${u()}&cursor=${q()}&limit=${u()}` }),
    () => ({ what: 'movies search', method: 'GET', path: `/api/movies?query=${u()}&cursor=${q()}` }),
    () => ({ what: 'jobs list', method: 'GET', path: `/api/jobs?status=${u()}&cursor=${q()}&limit=${u()}` }),
    () => ({ what: 'mappings list', method: 'GET', path: `/api/plex/mappings?cursor=${q()}&unmapped=${u()}&conflicts=${u()}` }),
    () => ({ what: 'conflicts list', method: 'GET', path: `/api/plex/conflicts?status=${u()}&cursor=${q()}` }),
    () => ({ what: 'show by id', method: 'GET', path: `/api/shows/${u()}` }),
    () => ({ what: 'webhook event by id', method: 'GET', path: `/api/plex/logs/${u()}` }),
    () => ({ what: 'replay', method: 'POST', path: `/api/plex/logs/${u()}/replay` }),
    () => ({ what: 'job by id', method: 'GET', path: `/api/jobs/${u()}` }),
    () => ({ what: 'job logs', method: 'GET', path: `/api/jobs/${ids.job}/logs?after=${u()}&limit=${u()}` }),
    () => ({ what: 'job log stream', method: 'GET', path: `/api/jobs/${ids.job}/logs/stream`, headers: { 'last-event-id': r.pick(['99999999999', '-2', '1e3', 'abc', '0x10', ' ', '2147483648']) } }),
    () => ({ what: 'watched (path)', method: 'POST', path: `/api/episodes/${u()}/watched`, body: j({ accountId: '1' }) }),
    () => ({ what: 'watched (body)', method: 'POST', path: `/api/episodes/${ids.episode}/watched`, body: j({ accountId: hostileJson(r), watched: hostileJson(r), watchedAt: r.pick(['+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', String(hostileJson(r))]) }) }),
    () => ({ what: 'config', method: 'PUT', path: '/api/plex/config', body: j({ [r.pick(['serverUuid', 'plexToken', 'tmdbApiKey', 'trackedAccountIds', 'rateLimitPerMinute', 'watchedThreshold', 'playWindowMinutes', 'logRetentionDays'])]: hostileJson(r) }) }),
    () => ({ what: 'create job', method: 'POST', path: '/api/jobs', body: j({ kind: r.next() < 0.7 ? r.pick(['agent-selftest', 'approval-selftest', 'connectivity-check']) : hostileJson(r), params: { note: hostileJson(r), lines: hostileJson(r), [r.pick(['x', 'k\u0000'])]: hostileJson(r) }, tags: r.next() < 0.5 ? [] : [hostileJson(r)] }) }),
    () => ({ what: 'create job (note)', method: 'POST', path: '/api/jobs', body: j({ kind: 'approval-selftest', params: { note: r.pick(HOSTILE_TEXT) } }) }),
    () => ({ what: 'approve', method: 'POST', path: `/api/jobs/${ids.job}/approve`, body: j({ step: hostileJson(r) }) }),
    () => ({ what: 'enrollment', method: 'POST', path: '/api/agents/enrollments', body: j({ tags: [hostileJson(r)] }) }),
    () => ({ what: 'mapping edit', method: 'POST', path: `/api/plex/mappings/${u()}`, body: j({ tmdbId: hostileJson(r), showId: hostileJson(r) }) }),
    () => ({ what: 'conflict resolve', method: 'POST', path: `/api/plex/conflicts/${u()}/resolve`, body: j({ action: r.pick(['select', 'create_new', 'ignore', '\u0000']), tmdbId: hostileJson(r) }) }),
    () => ({ what: 'session end', method: 'DELETE', path: `/api/sessions/${u()}` }),
    () => ({ what: 'agent revoke', method: 'DELETE', path: `/api/agents/${u()}` }),
    () => ({ what: 'malformed JSON', method: 'POST', path: '/api/jobs', body: r.pick(['{', '{"kind":"agent-selftest","params":{"a":"\\ud800"}}', '{"kind":"\\u0000"}', '[]', 'null', '"x"']) }),
  ];
  return Array.from({ length: ADMIN_CASES }, () => {
    const c = r.pick(makers)();
    return { ...c, what: `${c.what}: ${c.method} ${c.path.slice(0, 120)} ${c.body?.slice(0, 120) ?? ''}` };
  });
}

describe('hostile admin API requests (generated)', () => {
  it(`${ADMIN_CASES} cases over every list, id, body and header: never a 5xx`, { timeout: 240_000 }, async () => {
    // Real ids, so bodies reach the code behind the id checks.
    const delivered = (await (await h.deliver(fixture('episode-legacy-thetvdb.scrobble'), { thumb: false })).json()) as { id: string };
    const [ep] = await rows<{ id: string; show_id: string }>(h.db, 'SELECT id, show_id FROM episodes LIMIT 1');
    const job = (await (await h.api('/api/jobs', { method: 'POST', json: { kind: 'approval-selftest', params: {} } })).json()) as { id: string };
    const ids = { episode: ep!.id, show: ep!.show_id, event: delivered.id, job: job.id };
    const seen = new Map<number, number>();
    for (const c of adminCases(ids)) {
      const init: RequestInit = { method: c.method, headers: { ...h.admin, ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}), ...c.headers } };
      if (c.body !== undefined) init.body = c.body;
      if (c.headers?.['last-event-id']) init.signal = AbortSignal.timeout(3_000);
      let status: number;
      try {
        const res = await h.client.request(c.path, init);
        status = res.status;
        // A stream that opened is a 200 SSE; do not wait for it to end.
        if (res.headers.get('content-type')?.includes('text/event-stream')) await res.body?.cancel();
        else await res.text();
      } catch (err) {
        throw new Error(`${c.what}: threw ${String(err)}`);
      }
      expect(status, c.what).toBeLessThan(500);
      seen.set(status, (seen.get(status) ?? 0) + 1);
    }
    // Mostly refusals with a reason, some successes: the cases reach both sides of the checks.
    expect(seen.get(400) ?? 0).toBeGreaterThan(50);
    expect([...seen.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    // Whatever was accepted is storable.
    const stored = await rows<{ params: unknown }>(h.db, 'SELECT params FROM jobs');
    for (const s of stored) expect(findUnstorable(s.params)).toBeNull();
  });
});
