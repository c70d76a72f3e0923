/**
 * @module plex-sim/library
 * The library model behind the PMS simulator, kept in the Plex library DB itself (so what a job verifies with
 * Plex SQLite afterwards is what the API did): sections and their folders, folder edits that REPLACE the folder
 * set (as `PUT /library/sections/{id}?location=…` does), and scans.
 *
 * A scan walks the section's folders on this filesystem. A file whose path is already a media part is marked
 * available; a new file with the same name and size as a part of the section is the same media at a new path
 * (the item gains a media item there, keeping its guid and so its watch state — how a moved library survives
 * the documented add-folder → scan → remove-folder route); any other media file becomes a new item. Parts no
 * longer found under any folder are marked deleted (unavailable); with `autoEmptyTrash` on (Plex's default)
 * the scan then empties the trash: items left without an available part are removed.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { PlexDb, sql } from './plex-db.js';

export const SECTION_TYPES: Record<number, string> = { 1: 'movie', 2: 'show', 8: 'artist', 13: 'photo' };
export const TYPE_IDS: Record<string, number> = { movie: 1, show: 2, artist: 8, photo: 13 };
const MEDIA_EXT = new Set(['.mkv', '.mp4', '.m4v', '.avi', '.mov', '.ts', '.wmv', '.mp3', '.flac', '.m4a', '.jpg', '.jpeg', '.png']);

export interface Section {
  id: number;
  name: string;
  section_type: number;
  agent: string;
  scanner: string;
  language: string;
  uuid: string | null;
  created_at: number | null;
  updated_at: number | null;
  scanned_at: number | null;
  content_changed_at: number | null;
}

export interface Location {
  id: number;
  library_section_id: number;
  root_path: string;
}

export interface ScanCounts {
  items: number;
  available: number;
  unavailable: number;
}

export interface ScanResult {
  section: number;
  before: ScanCounts;
  after: ScanCounts;
  added: number;
  moved: number;
  missing: number;
  removed: number;
}

const now = () => Math.floor(Date.now() / 1000);

export class Library {
  constructor(readonly db: PlexDb) {}

  sections(): Promise<Section[]> {
    return this.db.query<Section>(sql`SELECT id, name, section_type, agent, scanner, language, uuid, created_at, updated_at, scanned_at, content_changed_at FROM library_sections ORDER BY id`);
  }

  async section(id: number): Promise<Section | undefined> {
    return (await this.db.query<Section>(sql`SELECT id, name, section_type, agent, scanner, language, uuid, created_at, updated_at, scanned_at, content_changed_at FROM library_sections WHERE id = ${id}`))[0];
  }

  locations(section?: number): Promise<Location[]> {
    return section === undefined
      ? this.db.query<Location>(sql`SELECT id, library_section_id, root_path FROM section_locations ORDER BY id`)
      : this.db.query<Location>(sql`SELECT id, library_section_id, root_path FROM section_locations WHERE library_section_id = ${section} ORDER BY id`);
  }

  /** Replaces the section's folders with `paths` (kept rows keep their ids), and applies name/agent edits. */
  async edit(id: number, paths: string[] | undefined, fields: { name?: string; agent?: string }): Promise<void> {
    const t = now();
    let stmts = sql`BEGIN; UPDATE library_sections SET updated_at = ${t}`;
    if (fields.name !== undefined) stmts = sql`${stmts}, name = ${fields.name}, name_sort = ${fields.name}`;
    if (fields.agent !== undefined) stmts = sql`${stmts}, agent = ${fields.agent}`;
    stmts = sql`${stmts} WHERE id = ${id};`;
    if (paths) {
      const current = await this.locations(id);
      for (const l of current) if (!paths.includes(l.root_path)) stmts = sql`${stmts} DELETE FROM section_locations WHERE id = ${l.id};`;
      for (const p of paths) {
        if (!current.some((l) => l.root_path === p)) stmts = sql`${stmts} INSERT INTO section_locations (library_section_id, root_path, available, created_at, updated_at) VALUES (${id}, ${p}, 1, ${t}, ${t});`;
      }
    }
    await this.db.exec(sql`${stmts} COMMIT;`);
  }

  async create(s: { name: string; type: string; agent: string; scanner: string; language: string; locations: string[] }): Promise<number> {
    const t = now();
    let stmts = sql`BEGIN; INSERT INTO library_sections (name, name_sort, section_type, language, agent, scanner, created_at, updated_at, uuid) VALUES (${s.name}, ${s.name}, ${TYPE_IDS[s.type] ?? 1}, ${s.language}, ${s.agent}, ${s.scanner}, ${t}, ${t}, lower(hex(randomblob(16))));`;
    for (const p of s.locations) stmts = sql`${stmts} INSERT INTO section_locations (library_section_id, root_path, available, created_at, updated_at) VALUES ((SELECT max(id) FROM library_sections), ${p}, 1, ${t}, ${t});`;
    await this.db.exec(sql`${stmts} COMMIT;`);
    return Number((await this.db.query<{ id: number }>(sql`SELECT max(id) AS id FROM library_sections`))[0]!.id);
  }

  async remove(id: number): Promise<void> {
    await this.db.exec(sql`BEGIN;
      DELETE FROM media_parts WHERE media_item_id IN (SELECT id FROM media_items WHERE library_section_id = ${id});
      DELETE FROM media_items WHERE library_section_id = ${id};
      DELETE FROM metadata_items WHERE library_section_id = ${id};
      DELETE FROM section_locations WHERE library_section_id = ${id};
      DELETE FROM library_sections WHERE id = ${id}; COMMIT;`);
  }

  /** Top-level items of a section (movies, shows, artists…) or of the given metadata type, with their parts. */
  async items(section: number, type?: number): Promise<Array<Record<string, unknown>>> {
    const s = await this.section(section);
    const t = type ?? s?.section_type ?? 1;
    return this.db.query(sql`SELECT m.id, m.guid, m.title, m.title_sort, m.year, m.metadata_type, m.added_at, m.updated_at, m.duration, m.parent_id, m."index",
      (SELECT count(*) FROM media_items mi WHERE mi.metadata_item_id = m.id AND mi.deleted_at IS NULL) AS available_media,
      (SELECT json_group_array(json_object('id', mp.id, 'file', mp.file, 'size', mp.size, 'deleted', mp.deleted_at IS NOT NULL)) FROM media_parts mp JOIN media_items mi ON mi.id = mp.media_item_id WHERE mi.metadata_item_id = m.id) AS parts
      FROM metadata_items m WHERE m.library_section_id = ${section} AND m.metadata_type = ${t} AND m.deleted_at IS NULL ORDER BY m.title_sort COLLATE icu_root, m.id`);
  }

  async item(id: number): Promise<Record<string, unknown> | undefined> {
    return (await this.db.query(sql`SELECT id, guid, title, year, metadata_type, library_section_id, added_at, updated_at, duration, parent_id FROM metadata_items WHERE id = ${id} AND deleted_at IS NULL`))[0];
  }

  /** Items in a section and how many have an available (present) file vs only missing ones. */
  async counts(section: number): Promise<ScanCounts> {
    const [r] = await this.db.query<ScanCounts>(sql`SELECT count(*) AS items,
      sum(EXISTS (SELECT 1 FROM media_items mi JOIN media_parts mp ON mp.media_item_id = mi.id WHERE mi.metadata_item_id = m.id AND mp.deleted_at IS NULL)) AS available
      FROM metadata_items m WHERE m.library_section_id = ${section} AND m.deleted_at IS NULL AND m.media_item_count IS NOT NULL`);
    const items = Number(r?.items ?? 0);
    const available = Number(r?.available ?? 0);
    return { items, available, unavailable: items - available };
  }

  async scan(section: number, opts: { autoEmptyTrash: boolean; path?: string }): Promise<ScanResult> {
    const before = await this.counts(section);
    const locations = await this.locations(section);
    const found = new Map<string, { size: number; location: number }>();
    for (const l of locations) {
      if (opts.path && !(opts.path === l.root_path || opts.path.startsWith(`${l.root_path}/`) || l.root_path.startsWith(`${opts.path}/`))) continue;
      for (const f of walk(l.root_path)) found.set(f.path, { size: f.size, location: l.id });
    }
    const parts = await this.db.query<{ id: number; file: string; size: number; deleted_at: number | null; media_item_id: number; metadata_item_id: number; location: number | null }>(sql`
      SELECT mp.id, mp.file, mp.size, mp.deleted_at, mp.media_item_id, mi.metadata_item_id, mi.section_location_id AS location
      FROM media_parts mp JOIN media_items mi ON mi.id = mp.media_item_id WHERE mi.library_section_id = ${section}`);
    const t = now();
    let stmts = sql`BEGIN;`;
    let added = 0;
    let moved = 0;
    let missing = 0;
    const byFile = new Map(parts.map((p) => [p.file, p]));
    for (const [file, f] of found) {
      const known = byFile.get(file);
      if (known) {
        if (known.deleted_at !== null) stmts = sql`${stmts} UPDATE media_parts SET deleted_at = NULL, updated_at = ${t} WHERE id = ${known.id}; UPDATE media_items SET deleted_at = NULL WHERE id = ${known.media_item_id};`;
        continue;
      }
      const same = parts.find((p) => basename(p.file) === basename(file) && Number(p.size) === f.size);
      if (same) {
        moved++;
        stmts = sql`${stmts} INSERT INTO media_items (library_section_id, section_location_id, metadata_item_id, type_id, size, created_at, updated_at) VALUES (${section}, ${f.location}, ${same.metadata_item_id}, 1, ${f.size}, ${t}, ${t});
          INSERT INTO media_parts (media_item_id, file, size, created_at, updated_at) VALUES (last_insert_rowid(), ${file}, ${f.size}, ${t}, ${t});`;
      } else {
        added++;
        const title = basename(file, extname(file)).replace(/\s*\(\d{4}\)$/, '');
        stmts = sql`${stmts} INSERT INTO metadata_items (library_section_id, metadata_type, guid, media_item_count, title, title_sort, added_at, created_at, updated_at) VALUES (${section}, 1, ${`local://scan/${section}/${file}`}, 1, ${title}, ${title}, ${t}, ${t}, ${t});
          INSERT INTO media_items (library_section_id, section_location_id, metadata_item_id, type_id, size, created_at, updated_at) VALUES (${section}, ${f.location}, last_insert_rowid(), 1, ${f.size}, ${t}, ${t});
          INSERT INTO media_parts (media_item_id, file, size, created_at, updated_at) VALUES (last_insert_rowid(), ${file}, ${f.size}, ${t}, ${t});`;
      }
    }
    for (const p of parts) {
      const inScope = !opts.path || p.file.startsWith(`${opts.path}/`) || p.file === opts.path;
      if (inScope && !found.has(p.file) && p.deleted_at === null) {
        missing++;
        stmts = sql`${stmts} UPDATE media_parts SET deleted_at = ${t} WHERE id = ${p.id}; UPDATE media_items SET deleted_at = ${t} WHERE id = ${p.media_item_id};`;
      }
    }
    stmts = sql`${stmts} UPDATE section_locations SET scanned_at = ${t}, available = 1 WHERE library_section_id = ${section}; UPDATE library_sections SET scanned_at = ${t}, content_changed_at = content_changed_at + 1 WHERE id = ${section}; COMMIT;`;
    await this.db.exec(stmts);
    const removed = opts.autoEmptyTrash ? await this.emptyTrash(section) : 0;
    return { section, before, after: await this.counts(section), added, moved, missing, removed };
  }

  /** Removes items whose every part is deleted (and those parts); watch state, keyed by guid, stays. */
  async emptyTrash(section: number): Promise<number> {
    const gone = await this.db.query<{ id: number }>(sql`SELECT m.id FROM metadata_items m WHERE m.library_section_id = ${section} AND m.media_item_count IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM media_items mi JOIN media_parts mp ON mp.media_item_id = mi.id WHERE mi.metadata_item_id = m.id AND mp.deleted_at IS NULL)`);
    await this.db.exec(sql`BEGIN;
      DELETE FROM media_parts WHERE deleted_at IS NOT NULL AND media_item_id IN (SELECT id FROM media_items WHERE library_section_id = ${section});
      DELETE FROM media_items WHERE deleted_at IS NOT NULL AND library_section_id = ${section};
      DELETE FROM metadata_items WHERE library_section_id = ${section} AND media_item_count IS NOT NULL AND id NOT IN (SELECT metadata_item_id FROM media_items WHERE library_section_id = ${section}); COMMIT;`);
    return gone.length;
  }
}

function* walk(dir: string): Generator<{ path: string; size: number }> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile() && MEDIA_EXT.has(extname(e.name).toLowerCase())) yield { path: p, size: statSync(p).size };
  }
}
