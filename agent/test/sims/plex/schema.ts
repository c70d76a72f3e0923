/**
 * @module plex-sim/schema
 * Plex's library and blobs DB schemas (library-schema.sql, blobs-schema.sql, beside this module — and beside
 * the bundled "Plex Media Server" stand-in, which gets copies of both).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILES = { library: join(here, 'library-schema.sql'), blobs: join(here, 'blobs-schema.sql') };
export const LIBRARY_SCHEMA: string = readFileSync(SCHEMA_FILES.library, 'utf8');
export const BLOBS_SCHEMA: string = readFileSync(SCHEMA_FILES.blobs, 'utf8');
