/**
 * @module
 * What a Plex move must find unchanged, read with Plex SQLite the same way on both sides (source host and
 * pod): the integrity check of both DBs, record counts of the tables that hold the household's data, watch
 * history and resume points hashed per account (ordered rows), libraries with their folders, and a sample
 * of media files. One script, one parser, so source and target are always compared like for like.
 */
import { createHash } from 'node:crypto';
import { BLOBS_DB, DB_DIR, LIBRARY_DB, PLEX_SQLITE, shq } from './remote';

export const COUNTED_TABLES = ['metadata_items', 'media_parts', 'metadata_item_views', 'metadata_item_settings', 'accounts', 'section_locations', 'library_sections'] as const;

export interface DbFacts {
  integrity: { library: string; blobs: string };
  counts: Record<string, number>;
  /** sha256 of the ordered watch-history rows, per account id. */
  views: Record<string, string>;
  /** sha256 of the ordered resume/rating rows, per account id. */
  settings: Record<string, string>;
  sections: Array<{ id: number; name: string; locations: string[] }>;
  sampleFiles: string[];
}

const QUERIES = {
  counts: `SELECT ${COUNTED_TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`,
  views: 'SELECT account_id, guid, metadata_type, viewed_at FROM metadata_item_views ORDER BY account_id, viewed_at, guid, id',
  settings: 'SELECT account_id, guid, rating, view_offset, view_count, last_viewed_at FROM metadata_item_settings ORDER BY account_id, guid, id',
  sections: 'SELECT s.id AS id, s.name AS name, l.root_path AS root_path FROM library_sections s LEFT JOIN section_locations l ON l.library_section_id = s.id ORDER BY s.id, l.id',
  samples: 'SELECT file FROM media_parts WHERE deleted_at IS NULL AND file IS NOT NULL ORDER BY id LIMIT 5',
};

/**
 * A shell script printing `@@name` markers followed by Plex SQLite's output, for the Plex Media Server
 * directory `pmsDir`. Fails (exit 3, message on stderr) when Plex SQLite is missing.
 */
export function factsScript(pmsDir: string, plexSqlite = PLEX_SQLITE): string {
  const db = `${pmsDir}/${DB_DIR}/${LIBRARY_DB}`;
  const blobs = `${pmsDir}/${DB_DIR}/${BLOBS_DB}`;
  return [
    `P=${shq(plexSqlite)}; DB=${shq(db)}; BLOBS=${shq(blobs)}`,
    '[ -x "$P" ] || { echo "Plex SQLite not found at $P" >&2; exit 3; }',
    '[ -f "$DB" ] || { echo "no library DB at $DB" >&2; exit 4; }',
    'echo @@integrity-library; "$P" "$DB" "PRAGMA integrity_check(1)" 2>&1 || true',
    'echo @@integrity-blobs; if [ -f "$BLOBS" ]; then "$P" "$BLOBS" "PRAGMA integrity_check(1)" 2>&1 || true; else echo absent; fi',
    ...Object.entries(QUERIES).map(([k, q]) => `echo @@${k}; "$P" -json "$DB" ${shq(q)}`),
  ].join('\n');
}

function sections(out: string): Record<string, string> {
  const parts: Record<string, string> = {};
  let cur = '';
  for (const line of out.split('\n')) {
    const m = line.match(/^@@([a-z-]+)$/);
    if (m) {
      cur = m[1]!;
      parts[cur] = '';
    } else if (cur) parts[cur] += `${line}\n`;
  }
  return parts;
}

/** Plex SQLite's `-json` rows; a query that failed (a broken DB prints an error instead) reads as no rows. */
function rows(text: string | undefined): Array<Record<string, unknown>> {
  if (!text?.trim()) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
  } catch {
    return [];
  }
}

function perAccount(list: Array<Record<string, unknown>>): Record<string, string> {
  const by = new Map<string, ReturnType<typeof createHash>>();
  for (const r of list) {
    const id = String(r.account_id);
    if (!by.has(id)) by.set(id, createHash('sha256'));
    by.get(id)!.update(`${JSON.stringify(r)}\n`);
  }
  return Object.fromEntries([...by].sort(([a], [b]) => Number(a) - Number(b)).map(([k, h]) => [k, h.digest('hex')]));
}

export function parseFacts(out: string): DbFacts {
  const p = sections(out);
  const grouped = new Map<number, { id: number; name: string; locations: string[] }>();
  for (const r of rows(p.sections)) {
    const id = Number(r.id);
    const s = grouped.get(id) ?? { id, name: String(r.name ?? ''), locations: [] };
    if (typeof r.root_path === 'string') s.locations.push(r.root_path);
    grouped.set(id, s);
  }
  const counts = rows(p.counts)[0] ?? {};
  return {
    integrity: { library: (p['integrity-library'] ?? '').trim(), blobs: (p['integrity-blobs'] ?? '').trim() },
    counts: Object.fromEntries(COUNTED_TABLES.map((t) => [t, Number(counts[t] ?? NaN)])),
    views: perAccount(rows(p.views)),
    settings: perAccount(rows(p.settings)),
    sections: [...grouped.values()],
    sampleFiles: rows(p.samples).map((r) => String(r.file)),
  };
}

/** Every way `b` differs from `a` (empty when equal), as lines for the log and the failure message. */
export function compareFacts(a: DbFacts, b: DbFacts): string[] {
  const out: string[] = [];
  for (const t of COUNTED_TABLES) if (a.counts[t] !== b.counts[t]) out.push(`${t}: ${a.counts[t]} on the source, ${b.counts[t]} on the target`);
  for (const [what, x, y] of [['watch history', a.views, b.views], ['resume points', a.settings, b.settings]] as const) {
    for (const id of new Set([...Object.keys(x), ...Object.keys(y)])) if (x[id] !== y[id]) out.push(`${what} of account ${id} differ`);
  }
  return out;
}

/** The new path of a source path under the path map (longest matching prefix), or undefined. */
export function mapPath(path: string, map: ReadonlyArray<{ from: string; to: string }>): string | undefined {
  const hit = [...map].sort((x, y) => y.from.length - x.from.length).find((m) => path === m.from || path.startsWith(`${m.from}/`));
  return hit ? hit.to + path.slice(hit.from.length) : undefined;
}
