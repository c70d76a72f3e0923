/**
 * @module
 * Finding a byte pattern in a body in linear time. Multipart boundaries are chosen by the sender,
 * so a naive scan ("compare the pattern at every byte that matches its first byte") is a
 * denial-of-service lever: a 70-dash boundary over 5 MB of dashes costs 70 comparisons a byte.
 * Knuth–Morris–Pratt never looks at a byte twice more than a constant number of times: at most
 * 2·(bytes scanned) comparisons, whatever the pattern and the body.
 */

/** Counts comparisons, so tests can prove the bound instead of timing it. */
export interface SearchWork {
  comparisons: number;
}

export class BytePattern {
  /** failure[i]: length of the longest proper prefix of needle[0..i] that is also its suffix. */
  private readonly failure: Int32Array;

  constructor(readonly needle: Uint8Array) {
    if (needle.length === 0) throw new Error('empty pattern');
    this.failure = new Int32Array(needle.length);
    for (let i = 1, k = 0; i < needle.length; i++) {
      while (k > 0 && needle[i] !== needle[k]) k = this.failure[k - 1]!;
      if (needle[i] === needle[k]) k++;
      this.failure[i] = k;
    }
  }

  /** Index of the first occurrence at or after `from`, or -1. */
  indexIn(hay: Uint8Array, from = 0, work?: SearchWork): number {
    const needle = this.needle;
    let comparisons = 0;
    let k = 0;
    let found = -1;
    const first = needle[0]!;
    for (let i = Math.max(0, from); i < hay.length; i++) {
      if (k === 0) {
        // Nothing matched yet: let the engine's native scan find the next candidate start.
        const next = hay.indexOf(first, i);
        comparisons += (next === -1 ? hay.length : next) - i;
        if (next === -1) break;
        i = next;
      }
      comparisons++;
      while (k > 0 && hay[i] !== needle[k]) {
        k = this.failure[k - 1]!;
        comparisons++;
      }
      if (hay[i] === needle[k]) k++;
      if (k === needle.length) {
        found = i - needle.length + 1;
        break;
      }
    }
    if (work) work.comparisons += comparisons;
    return found;
  }
}
