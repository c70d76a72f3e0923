/**
 * @module
 * Title similarity and match confidence. Postgres' pg_trgm finds candidates fast (GIN index); the
 * score itself is computed here with the same trigram rule, so local rows and TMDB search results
 * are ranked on one scale. Confidence is 0.00–1.00: title similarity scaled by year agreement.
 */

/** Lower-case, strip accents and punctuation, "&" → "and", collapse spaces. */
export function normalizeTitle(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function withoutArticle(norm: string): string {
  return norm.replace(/^(the|a|an) /, '');
}

/** pg_trgm's trigram set: each word padded with two spaces before and one after. */
function trigrams(norm: string): Set<string> {
  const out = new Set<string>();
  for (const word of norm.split(' ')) {
    if (!word) continue;
    const padded = `  ${word} `;
    const chars = [...padded];
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(''));
  }
  return out;
}

/** Same definition as pg_trgm `similarity()`: shared trigrams over all distinct trigrams. */
export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(normalizeTitle(a));
  const tb = trigrams(normalizeTitle(b));
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / (ta.size + tb.size - shared);
}

/** 1.0 for the same title, 0.97 when only a leading article differs, else trigram similarity. */
export function titleScore(query: string, candidate: string): number {
  const q = normalizeTitle(query);
  const c = normalizeTitle(candidate);
  if (!q || !c) return 0;
  if (q === c) return 1;
  if (withoutArticle(q) === withoutArticle(c)) return 0.97;
  return trigramSimilarity(q, c);
}

/**
 * How far year agreement moves confidence. Unknown years (episodes carry their own air year, not
 * the show's) cost a little so an exact title alone can still auto-map when nothing else is close.
 */
export function yearFactor(queryYear: number | null, candidateYear: number | null): number {
  if (queryYear === null || candidateYear === null) return 0.95;
  const diff = Math.abs(queryYear - candidateYear);
  return diff === 0 ? 1 : diff === 1 ? 0.93 : 0.6;
}

export function round2(n: number): number {
  return Math.round(Math.max(0, Math.min(1, n)) * 100) / 100;
}

export function confidenceOf(query: { title: string; year: number | null }, candidate: { titles: Array<string | null>; year: number | null }): number {
  const best = Math.max(0, ...candidate.titles.filter((t): t is string => !!t).map((t) => titleScore(query.title, t)));
  return round2(best * yearFactor(query.year, candidate.year));
}

/**
 * Edit distance between two strings where swapping two neighbours counts as one edit (optimal
 * string alignment): "Oppenhiemer" is one edit from "Oppenheimer", as a typist would count it.
 */
export function typoDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  // Rows i-2, i-1 and i of the DP table; strings here are titles, so O(n·m) is tiny.
  let prev2: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[y.length]!;
}

/** Trigram similarity (folded titles) from which a differently spelled title may be the same one. */
export const NEAR_MISS_SIMILARITY = 0.5;

/** Years that do not rule out the same show/movie: unknown on either side, or at most one apart. */
function yearsAgree(a: number | null, b: number | null): boolean {
  return a === null || b === null || Math.abs(a - b) <= 1;
}

/**
 * Whether a catalog title is plausibly the same show/movie under a typo or different accents:
 * years agree and the folded titles are close — trigram similarity ≥ NEAR_MISS_SIMILARITY, or a
 * few keystrokes apart (one edit per five characters, at least one; titles of four or more
 * characters, so "Up" and "It" are never each other's typo). Used without TMDB, where a near-miss
 * must become a conflict a person decides rather than a silent second catalog entry.
 */
export function isNearMiss(query: { title: string; year: number | null }, candidate: { titles: Array<string | null>; year: number | null }): boolean {
  if (!yearsAgree(query.year, candidate.year)) return false;
  const q = withoutArticle(normalizeTitle(query.title));
  if (!q) return false;
  return candidate.titles.some((t) => {
    if (!t) return false;
    const c = withoutArticle(normalizeTitle(t));
    if (!c) return false;
    if (q === c || trigramSimilarity(q, c) >= NEAR_MISS_SIMILARITY) return true;
    const shorter = Math.min([...q].length, [...c].length);
    return shorter >= 4 && typoDistance(q, c) <= Math.max(1, Math.floor(shorter / 5));
  });
}

export const AUTO_MAP_THRESHOLD = 0.9;
/** Two candidates closer than this are "several close candidates": a person picks. */
export const CLEAR_WINNER_MARGIN = 0.05;
/** Candidates below this are not worth showing a person. */
export const MIN_CANDIDATE_SCORE = 0.3;
