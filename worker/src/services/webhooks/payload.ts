/**
 * @module
 * The Plex webhook payload: structural limits checked before JSON.parse, a zod schema that is
 * strict about what processing needs (an `event` string, object shapes) and tolerant of the rest
 * (missing Account/Server — Yamtrack #564 —, numbers sent as strings, unknown fields), and the
 * conversions processing uses: the matcher's PlexItemRef and the durable dedup key.
 */
import { z } from 'zod';
import type { PlexItemRef } from '../matching/types';
import { findUnstorable, INT4_MAX, INT4_MIN, sanitizeStorable } from '../../contracts/storable';
import { invalidPayload } from './body';
import { humanError } from '../../contracts/issues';

export const MAX_PAYLOAD_CHARS = 256 * 1024;
export const MAX_JSON_DEPTH = 16;

/** Nesting depth of a JSON text, counted without parsing (strings are skipped), so a hostile body cannot exhaust the parser. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped char
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) max = depth;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

const text = z.union([z.string(), z.number()]).transform(String).optional().catch(undefined);
/** Plex integers land in int4 columns (season, episode, durations, offsets): beyond that they are dropped. */
const int = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)])
  .transform(Math.round)
  .refine((n) => Number.isFinite(n) && n >= INT4_MIN && n <= INT4_MAX)
  .optional()
  .catch(undefined);
const num = z
  .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)])
  .refine((n) => Number.isFinite(n))
  .optional()
  .catch(undefined);
const bool = z.boolean().optional().catch(undefined);
/** A nested object that must be an object if present; an unusable value is dropped, not fatal. */
const obj = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape).optional().catch(undefined);

export const PlexMetadata = z.looseObject({
  librarySectionType: text,
  type: text,
  ratingKey: text,
  parentRatingKey: text,
  grandparentRatingKey: text,
  guid: text,
  parentGuid: text,
  grandparentGuid: text,
  Guid: z
    .array(z.looseObject({ id: z.string() }).optional().catch(undefined))
    .optional()
    .catch(undefined),
  title: text,
  grandparentTitle: text,
  parentTitle: text,
  originalTitle: text,
  year: int,
  index: int,
  parentIndex: int,
  duration: int,
  viewOffset: int,
  viewCount: int,
  lastViewedAt: int,
  userRating: num,
});

export const PlexPayload = z.looseObject({
  event: z.string({ error: 'The payload has no "event" string.' }).min(1, 'The payload has an empty "event".').max(100),
  user: bool,
  owner: bool,
  rating: num,
  Account: obj({ id: text, title: text }),
  Server: obj({ uuid: text, title: text }),
  Player: obj({ title: text, uuid: text, local: bool, publicAddress: text }),
  Metadata: PlexMetadata.optional(),
});
export type PlexPayload = z.infer<typeof PlexPayload>;
export type PlexMetadata = z.infer<typeof PlexMetadata>;

/** Metadata integers that are stored (summary columns, plays, progress): int4 columns. */
const STORED_INTS = ['year', 'index', 'parentIndex', 'duration', 'viewOffset', 'viewCount'] as const;

/**
 * Why a well-formed payload cannot be stored or processed as it is, in words a person can act on
 * (empty = fine): text Postgres cannot store (NUL, lone surrogates) anywhere, keys included, and
 * stored integers beyond int4. Such a delivery is kept (sanitised) and marked failed — not lost,
 * not retried, not processed with half its values silently dropped.
 */
export function payloadProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const text = findUnstorable(raw);
  if (text) problems.push(`${text.path} ${text.reason}`);
  const meta = raw.Metadata as Record<string, unknown> | undefined;
  for (const field of STORED_INTS) {
    const v = meta?.[field];
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : null;
    if (n !== null && (!Number.isFinite(n) || Math.round(n) > INT4_MAX || Math.round(n) < INT4_MIN)) {
      problems.push(`Metadata.${field} is ${String(v).slice(0, 40)}, outside the integer range stored (${INT4_MIN}…${INT4_MAX})`);
    }
  }
  return problems;
}

export interface ParsedPayload {
  payload: PlexPayload;
  /** What gets stored: the JSON as parsed, or its sanitised copy when `problems` is not empty. */
  raw: Record<string, unknown>;
  /** {@link payloadProblems}: when set, store the delivery as failed and do not process it. */
  problems: string[];
}

/** Parses payload JSON text with size and depth limits; every failure is INVALID_PAYLOAD with a reason. */
export function parsePayload(payloadText: string): ParsedPayload {
  if (payloadText.trim() === '') throw invalidPayload('The payload is empty.');
  if (payloadText.length > MAX_PAYLOAD_CHARS) throw invalidPayload(`The payload JSON is larger than ${MAX_PAYLOAD_CHARS} characters.`);
  if (jsonDepth(payloadText) > MAX_JSON_DEPTH) throw invalidPayload(`The payload JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  let raw: unknown;
  try {
    raw = JSON.parse(payloadText);
  } catch {
    throw invalidPayload('The payload is not valid JSON.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidPayload('Unsupported payload shape: expected a JSON object.');
  const rec = raw as Record<string, unknown>;
  if (!('event' in rec)) throw invalidPayload('The payload has no "event".');
  if (rec.Metadata !== undefined && (rec.Metadata === null || typeof rec.Metadata !== 'object' || Array.isArray(rec.Metadata))) {
    throw invalidPayload('Unsupported payload shape: "Metadata" must be an object.');
  }
  const problems = payloadProblems(rec);
  const stored = problems.length ? sanitizeStorable(rec) : rec;
  const parsed = PlexPayload.safeParse(stored, { error: humanError });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw invalidPayload(`Unsupported payload shape${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return { payload: parsed.data, raw: stored, problems };
}

const ITEM_TYPES = new Set(['episode', 'movie', 'show', 'season']);

/** The matcher's view of the payload's item, or null when it is not a show/season/episode/movie. */
export function toItemRef(p: PlexPayload): PlexItemRef | null {
  const m = p.Metadata;
  if (!m?.type || !ITEM_TYPES.has(m.type)) return null;
  return {
    serverUuid: p.Server?.uuid ?? null,
    type: m.type as PlexItemRef['type'],
    ratingKey: m.ratingKey ?? null,
    guid: m.guid ?? null,
    parentGuid: m.parentGuid ?? null,
    grandparentGuid: m.grandparentGuid ?? null,
    parentRatingKey: m.parentRatingKey ?? null,
    grandparentRatingKey: m.grandparentRatingKey ?? null,
    externalGuids: (m.Guid ?? []).flatMap((g) => (g?.id ? [g.id] : [])),
    title: m.title ?? null,
    grandparentTitle: m.grandparentTitle ?? null,
    year: m.year ?? null,
    index: m.index ?? null,
    parentIndex: m.parentIndex ?? null,
    duration: m.duration ?? null,
  };
}

const POSITIONAL = new Set(['media.play', 'media.pause', 'media.resume', 'media.stop']);

/**
 * Identifies a redelivery: same server, account id, ratingKey and event. Playback events also
 * carry the position (10 s buckets) so a real second stop at a later position — e.g. stopped at
 * 50%, resumed, stopped at 95% — is not mistaken for a redelivery of the first.
 */
export function dedupKey(p: PlexPayload): string {
  const parts = [p.Server?.uuid ?? '', p.Account?.id ?? '', p.Metadata?.ratingKey ?? '', p.event];
  if (POSITIONAL.has(p.event)) parts.push(String(Math.floor((p.Metadata?.viewOffset ?? 0) / 10_000)));
  return parts.join('|');
}

/** The log row's summary columns, taken from the payload. */
export function summaryOf(p: PlexPayload) {
  const m = p.Metadata;
  const isEpisode = m?.type === 'episode';
  return {
    serverUuid: p.Server?.uuid ?? null,
    accountId: p.Account?.id ?? null,
    accountTitle: p.Account?.title ?? null,
    event: p.event,
    ratingKey: m?.ratingKey ?? null,
    mediaType: m?.type ?? null,
    title: m?.title ?? null,
    showTitle: isEpisode ? (m?.grandparentTitle ?? null) : m?.type === 'season' ? (m?.parentTitle ?? null) : null,
    season: isEpisode ? (m?.parentIndex ?? null) : m?.type === 'season' ? (m?.index ?? null) : null,
    episode: isEpisode ? (m?.index ?? null) : null,
  };
}
