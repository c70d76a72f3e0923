/** Linear-time byte search (multipart boundaries): correct, and provably linear by counting work. */
import { describe, expect, it } from 'vitest';
import { BytePattern, type SearchWork } from './byte-search';
import { parseMultipart } from '../services/webhooks/body';

const enc = new TextEncoder();

/** The obvious search, as the reference for correctness. */
function naiveIndex(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('BytePattern', () => {
  it('finds what the obvious search finds, on random small alphabets', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let round = 0; round < 500; round++) {
      const hay = Uint8Array.from({ length: rand(200) }, () => 97 + rand(3));
      const needle = Uint8Array.from({ length: 1 + rand(8) }, () => 97 + rand(3));
      const from = rand(hay.length + 1);
      expect(new BytePattern(needle).indexIn(hay, from), `round ${round}`).toBe(naiveIndex(hay, needle, from));
    }
  });

  it('parses a 5 MB body of near-boundary dash runs with at most 2 comparisons per byte', () => {
    // What made the old parser quadratic: a preamble (allowed before the first delimiter) of
    // 71-dash runs, searched for a 72-dash delimiter — every byte starts a near-miss.
    const boundary = '-'.repeat(70);
    const line = `${'-'.repeat(71)}\n`;
    const part = `--${boundary}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{"event":"media.play"}\r\n--${boundary}--\r\n`;
    const preamble = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
    const contentType = `multipart/form-data; boundary=${boundary}`;
    const body = enc.encode(preamble + part);
    const work: SearchWork = { comparisons: 0 };
    expect(parseMultipart(body, contentType, work).payloadText).toBe('{"event":"media.play"}');
    expect(work.comparisons).toBeLessThanOrEqual(2 * body.length);
    // And refused (no parts) with the same bound when the delimiter never comes.
    const none: SearchWork = { comparisons: 0 };
    expect(() => parseMultipart(enc.encode(preamble), contentType, none)).toThrow(/no parts/);
    expect(none.comparisons).toBeLessThanOrEqual(2 * preamble.length);
  });
});
