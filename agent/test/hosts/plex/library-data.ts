/**
 * @module plex-host/library-data
 * The rows of a test Plex library: accounts, libraries with their folders, movies and shows (items, media,
 * parts, subtitle streams), genre tags, and the household's watch state — views and resume offsets for several
 * accounts — split into rows that end up in the .db and rows that live only in the -wal (the most recent
 * activity, as after a Plex that was stopped hard). Deterministic for a seed, so tests can rely on it.
 * Media files the parts point at are listed too (fixture.ts writes them under the media root).
 */

export type Row = Record<string, string | number | null>;
export type Rows = Record<string, Row[]>;

export interface LibraryDataOptions {
  /** Where the household's media lives on the source, e.g. /mnt/nas-plex (sections use subfolders). */
  mediaRoot: string;
  /** A second media root for the optimized versions, e.g. /mnt/nas-plex-optimized. */
  optimizedRoot: string;
  movies: number;
  shows: number;
  episodesPerShow: number;
  /** Bytes of each media file (kept small: tests read the first MiB of a few). */
  mediaFileBytes: number;
  seed: number;
}

export interface MediaFile {
  /** Absolute path on the source (under mediaRoot/optimizedRoot). */
  path: string;
  size: number;
}

export interface LibraryData {
  base: Rows;
  wal: Rows;
  media: MediaFile[];
  sections: Array<{ id: number; name: string; type: string; locations: string[] }>;
}

/** A small deterministic PRNG (mulberry32) so fixtures are the same run after run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MOVIE_TITLES = [
  'Amélie', 'Crouching Tiger, Hidden Dragon', "L'Auberge espagnole", '"Weird Al" Yankovic Live', '東京物語', 'Das Boot',
  'Léon: The Professional', 'The Matrix', 'Spirited Away', 'Être et avoir', "Ocean's Eleven", 'Smörgåsbord & Co',
  'Back to the Future', 'Pan’s Labyrinth', 'Night of the Living Dead', 'Zoë & the $5 Bet',
];
const SHOW_TITLES = ['The Office (US)', 'Dark', "Grey's Anatomy", 'Księga Dżungli', 'Planet Earth II', 'Top Gear'];
const GENRES = ['Drama', 'Comedy', 'Science Fiction', 'Animation', 'Documentary', 'Thriller'];

/** Accounts as a real server has them: 0 (system), 1 (the owner), and managed/shared users with big ids. */
export const ACCOUNTS: Row[] = [
  { id: 0, name: '', created_at: 1600000000, updated_at: 1600000000 },
  { id: 1, name: 'PlexAdmin', created_at: 1600000000, updated_at: 1700000000, default_audio_language: 'en', default_subtitle_language: 'en' },
  { id: 3972737, name: 'Kids', created_at: 1610000000, updated_at: 1700000000, default_audio_language: 'de' },
  { id: 21389441, name: 'Zoë “Gast”', created_at: 1620000000, updated_at: 1700000000 },
];

const hex = (rand: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const fileSafe = (s: string) => s.replace(/[/:]/g, '-');

export function libraryData(o: LibraryDataOptions): LibraryData {
  const rand = prng(o.seed);
  const base: Rows = {};
  const wal: Rows = {};
  const add = (rows: Rows, table: string, row: Row) => (rows[table] ??= []).push(row);
  const media: MediaFile[] = [];
  const t0 = 1_690_000_000;

  for (const a of ACCOUNTS) add(base, 'accounts', a);
  for (const [i, v] of ['20190101000000', '20210510153000', '20230804120000', '20240918094500', '20250312101500'].entries()) {
    add(base, 'schema_migrations', { version: v, min_version: i > 2 ? '1.32.0.0000' : null });
  }
  add(base, 'devices', { id: 1, identifier: 'living-room-shield', name: 'Living Room', platform: 'Android', created_at: t0, updated_at: t0 });
  add(base, 'devices', { id: 2, identifier: 'kids-ipad', name: 'Kids iPad', platform: 'iOS', created_at: t0, updated_at: t0 });

  const sections = [
    { id: 1, name: 'Movies', type: 'movie', section_type: 1, agent: 'tv.plex.agents.movie', scanner: 'Plex Movie', language: 'en-US', locations: [`${o.mediaRoot}/Movies`] },
    { id: 2, name: 'TV Shows', type: 'show', section_type: 2, agent: 'tv.plex.agents.series', scanner: 'Plex TV Series', language: 'en-US', locations: [`${o.mediaRoot}/TV Shows`] },
    { id: 3, name: 'Home Videos', type: 'movie', section_type: 1, agent: 'tv.plex.agents.none', scanner: 'Plex Video Files Scanner', language: 'xn', locations: [`${o.mediaRoot}/Home Videos`, `${o.optimizedRoot}/Home Videos`] },
  ];
  let locationId = 0;
  const locationIds = new Map<string, number>();
  for (const s of sections) {
    add(base, 'library_sections', { id: s.id, library_id: null, name: s.name, name_sort: s.name, section_type: s.section_type, language: s.language, agent: s.agent, scanner: s.scanner, created_at: t0, updated_at: t0, scanned_at: t0 + 3600, uuid: `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`, changed_at: 100 + s.id, content_changed_at: 200 + s.id });
    for (const root of s.locations) {
      locationIds.set(root, ++locationId);
      add(base, 'section_locations', { id: locationId, library_section_id: s.id, root_path: root, available: 1, scanned_at: t0 + 3600, created_at: t0, updated_at: t0 });
    }
  }

  let itemId = 0;
  let mediaItemId = 0;
  let partId = 0;
  let streamId = 0;
  let tagId = 0;
  const genreTag = new Map<string, number>();
  const watchable: Array<{ guid: string; type: number; section: number; title: string; grandparent?: string; index?: number; parentIndex?: number }> = [];

  const withMedia = (section: number, location: string, metadataId: number, path: string) => {
    const size = o.mediaFileBytes + Math.floor(rand() * 4096);
    media.push({ path, size });
    const mi = ++mediaItemId;
    add(base, 'media_items', { id: mi, library_section_id: section, section_location_id: locationIds.get(location)!, metadata_item_id: metadataId, type_id: 1, width: 1920, height: 1080, size, duration: 5_400_000, bitrate: 8000, container: 'mkv', video_codec: 'h264', audio_codec: 'aac', audio_channels: 6, created_at: t0, updated_at: t0 });
    const pid = ++partId;
    add(base, 'media_parts', { id: pid, media_item_id: mi, directory_id: null, hash: hex(rand, 40), file: path, index: null, size, duration: 5_400_000, created_at: t0, updated_at: t0 });
    add(base, 'media_streams', { id: ++streamId, stream_type_id: 1, media_item_id: mi, media_part_id: pid, codec: 'h264', index: 0, created_at: t0, updated_at: t0 });
    if (rand() < 0.5) {
      const srt = path.replace(/\.mkv$/, '.en.srt');
      add(base, 'media_streams', { id: ++streamId, stream_type_id: 3, media_item_id: mi, media_part_id: pid, url: `file://${srt}`, codec: 'srt', language: 'eng', created_at: t0, updated_at: t0 });
    }
  };
  const tag = (metadataId: number, genre: string) => {
    let id = genreTag.get(genre);
    if (!id) {
      id = ++tagId;
      genreTag.set(genre, id);
      add(base, 'tags', { id, tag: genre, tag_type: 1, created_at: t0, updated_at: t0 });
    }
    add(base, 'taggings', { metadata_item_id: metadataId, tag_id: id, index: 0, created_at: t0 });
  };

  for (let i = 0; i < o.movies; i++) {
    const home = i % 5 === 4;
    const section = home ? 3 : 1;
    const name = MOVIE_TITLES[i % MOVIE_TITLES.length]!;
    const title = i < MOVIE_TITLES.length ? name : `${name} ${Math.floor(i / MOVIE_TITLES.length) + 1}`;
    const year = 1960 + Math.floor(rand() * 64);
    const id = ++itemId;
    const guid = home ? `local://${id}` : `plex://movie/${hex(rand, 24)}`;
    add(base, 'metadata_items', { id, library_section_id: section, metadata_type: 1, guid, media_item_count: 1, title, title_sort: title.replace(/^(The|A|An) /, ''), year, originally_available_at: `${year}-05-01 00:00:00`, added_at: t0 + i * 60, created_at: t0 + i * 60, updated_at: t0 + i * 60, duration: 5_400_000, rating: Math.round(rand() * 100) / 10, tags_genre: GENRES[i % GENRES.length]!, changed_at: 1000 + i });
    tag(id, GENRES[i % GENRES.length]!);
    const location = home ? sections[2]!.locations[i % 2]! : sections[0]!.locations[0]!;
    const dir = `${location}/${fileSafe(title)} (${year})`;
    withMedia(section, location, id, `${dir}/${fileSafe(title)} (${year}).mkv`);
    watchable.push({ guid, type: 1, section, title });
  }
  for (let s = 0; s < o.shows; s++) {
    const title = SHOW_TITLES[s % SHOW_TITLES.length]! + (s >= SHOW_TITLES.length ? ` ${Math.floor(s / SHOW_TITLES.length) + 1}` : '');
    const showId = ++itemId;
    add(base, 'metadata_items', { id: showId, library_section_id: 2, metadata_type: 2, guid: `plex://show/${hex(rand, 24)}`, title, title_sort: title, added_at: t0, created_at: t0, updated_at: t0, changed_at: 5000 + s });
    tag(showId, GENRES[(s + 1) % GENRES.length]!);
    const seasonId = ++itemId;
    add(base, 'metadata_items', { id: seasonId, library_section_id: 2, parent_id: showId, metadata_type: 3, guid: `plex://season/${hex(rand, 24)}`, title: 'Season 1', index: 1, added_at: t0, created_at: t0, updated_at: t0 });
    for (let e = 1; e <= o.episodesPerShow; e++) {
      const id = ++itemId;
      const guid = `plex://episode/${hex(rand, 24)}`;
      const epTitle = `Episode ${e}${e === 2 ? ' — “Pilot, Part 2”' : ''}`;
      add(base, 'metadata_items', { id, library_section_id: 2, parent_id: seasonId, metadata_type: 4, guid, media_item_count: 1, title: epTitle, title_sort: epTitle, index: e, duration: 1_800_000, added_at: t0 + e, created_at: t0 + e, updated_at: t0 + e });
      withMedia(2, sections[1]!.locations[0]!, id, `${sections[1]!.locations[0]!}/${fileSafe(title)}/Season 01/${fileSafe(title)} - s01e${String(e).padStart(2, '0')}.mkv`);
      watchable.push({ guid, type: 4, section: 2, title: epTitle, grandparent: title, index: e, parentIndex: 1 });
    }
  }

  // Watch state per account; the newest activity of every account is only in the WAL.
  for (const account of ACCOUNTS.filter((a) => Number(a.id) > 0)) {
    const accountId = Number(account.id);
    const seen = watchable.filter(() => rand() < 0.6);
    seen.forEach((w, n) => {
      const recent = n >= seen.length - 2;
      const viewedAt = t0 + 86_400 * (10 + n) + accountId % 1000;
      add(recent ? wal : base, 'metadata_item_views', { account_id: accountId, guid: w.guid, metadata_type: w.type, library_section_id: w.section, grandparent_title: w.grandparent ?? null, parent_index: w.parentIndex ?? null, index: w.index ?? null, title: w.title, viewed_at: viewedAt, device_id: 1 + (n % 2) });
      const offset = n % 3 === 0 ? Math.floor(rand() * 1_500_000) + 60_000 : null;
      add(recent ? wal : base, 'metadata_item_settings', { account_id: accountId, guid: w.guid, rating: n % 4 === 0 ? 8 : null, view_offset: offset, view_count: offset ? 0 : 1 + (n % 3), last_viewed_at: viewedAt, created_at: viewedAt, updated_at: viewedAt, changed_at: viewedAt });
    });
  }
  return { base, wal, media, sections: sections.map((s) => ({ id: s.id, name: s.name, type: s.type, locations: s.locations })) };
}

/** Row counts per table across .db and -wal (what the job must find on both sides). */
export function rowCounts(d: LibraryData): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rows of [d.base, d.wal]) for (const [t, r] of Object.entries(rows)) out[t] = (out[t] ?? 0) + r.length;
  return out;
}
