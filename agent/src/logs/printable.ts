/**
 * @module
 * What a job log and step outputs may carry: text Postgres can store and a person can read. NUL
 * bytes and lone UTF-16 surrogates are escaped (the worker refuses them: Postgres cannot store
 * them in text or jsonb), and output that is really binary — a tar stream that went to stderr by
 * mistake — is summarised instead of being written line by line.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** NUL → `\0` (visible), a lone surrogate → U+FFFD. Everything else is kept. */
export function printableText(s: string): string {
  // eslint-style fast path: most lines carry neither.
  if (!s.includes('\u0000') && !/[\uD800-\uDFFF]/.test(s)) return s;
  return s.replace(/\u0000/g, '\\0').replace(LONE_SURROGATE, '\uFFFD');
}

/** A deep copy of a JSON value with every string (keys too) made printable. */
export function printableJson<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return printableText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => printableJson(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[printableText(k)] = printableJson(v, depth + 1);
  return out as T;
}

/**
 * Whether a chunk of child output looks binary: more than a tenth of its bytes are control
 * characters other than common whitespace (a tar stream is mostly NUL padding). A stray NUL in a
 * line of text is not binary: it is escaped and logged with the line.
 */
export function looksBinary(chunk: Buffer): boolean {
  const n = Math.min(chunk.length, 4096);
  if (n === 0) return false;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const b = chunk[i] as number;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) odd++;
  }
  return odd / n > 0.1;
}
