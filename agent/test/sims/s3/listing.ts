/**
 * @module s3-sim/listing
 * ListObjects (v1) and ListObjectsV2 paging over a bucket's byte-ordered keys: prefix filter,
 * delimiter roll-up into CommonPrefixes (each prefix once, counted against max-keys like a key),
 * and the resume point (v1 `marker`/`NextMarker`, v2 `start-after`/continuation token). This is
 * the part `s3rver` gets wrong and Litestream depends on: `litestream generations` lists
 * `<path>/generations/` with delimiter `/` and reads only CommonPrefixes.
 */

export interface ListInput {
  prefix: string;
  delimiter: string;
  /** Exclusive resume point: a key or a common prefix returned earlier. */
  after: string;
  maxKeys: number;
}

export interface ListPage {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix in this page (the resume point for the next one). */
  last: string | undefined;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const cmp = (a: string, b: string): number => Buffer.compare(bytes(a), bytes(b));

/** First index in `sorted` whose key sorts after `bound` (or at it, when `inclusive`). */
function search(sorted: string[], bound: string, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(sorted[mid] as string, bound);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function listPage(sorted: string[], input: ListInput): ListPage {
  const { prefix, delimiter, after, maxKeys } = input;
  const keys: string[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let count = 0;
  // max-keys=0 answers an empty, untruncated page (MinIO's reading; S3's own is undocumented).
  if (maxKeys === 0) return { keys, commonPrefixes, isTruncated: false, last };
  let i = Math.max(after === '' ? 0 : search(sorted, after, false), search(sorted, prefix, true));
  for (; i < sorted.length; i++) {
    const key = sorted[i] as string;
    if (!key.startsWith(prefix)) break;
    let entry = key;
    let isPrefix = false;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + delimiter.length);
        isPrefix = true;
      }
    }
    // A common prefix already returned (on this page or, as the resume point, on an earlier one).
    if (isPrefix && (entry === last || (after !== '' && cmp(entry, after) <= 0))) continue;
    if (count === maxKeys) return { keys, commonPrefixes, isTruncated: true, last };
    if (isPrefix) commonPrefixes.push(entry);
    else keys.push(entry);
    last = entry;
    count++;
  }
  return { keys, commonPrefixes, isTruncated: false, last };
}
