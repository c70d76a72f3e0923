/**
 * @module
 * `npm run bench:multipart` — the webhook's multipart parser on 5 MB bodies, in this process (no
 * server: the figure is the parser's). Baseline: a real Plex delivery with a 5 MB poster. Hostile:
 * the same size made of 71-dash runs against a 70-dash boundary, which cost the old
 * compare-at-every-candidate scan dozens of comparisons a byte (about 1.2 s). Prints the median
 * time and the byte comparisons per body byte of each — linear means the two are of the same
 * order — and what the previous scan would have spent on the hostile body.
 */
import { parseMultipart } from '../src/services/webhooks/body';
import type { SearchWork } from '../src/lib/byte-search';
import { fixture, plexMultipart } from '../test/fixtures/plex';

const SIZE = 5 * 1024 * 1024;
const RUNS = 15;

/** A valid body whose 5 MB preamble (allowed before the first delimiter) is 71-dash runs: every byte a near-miss. */
function hostileBody(): { body: Uint8Array; contentType: string } {
  const boundary = '-'.repeat(70);
  const line = `${'-'.repeat(71)}\n`;
  const text = `${line.repeat(Math.ceil(SIZE / line.length))}--${boundary}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{"event":"media.play"}\r\n--${boundary}--\r\n`;
  return { body: new TextEncoder().encode(text), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Comparisons the previous parser's first-byte-then-compare scan makes finding the first delimiter. */
function naiveComparisons(hay: Uint8Array, needle: Uint8Array): number {
  let n = 0;
  for (let i = hay.indexOf(needle[0]!); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(needle[0]!, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    n += j;
    if (j === needle.length) break;
  }
  return n;
}

function plexBody(): { body: Uint8Array; contentType: string } {
  const thumb = new Uint8Array(SIZE);
  for (let i = 0; i < thumb.length; i++) thumb[i] = (i * 31 + 7) & 0xff;
  const d = plexMultipart(fixture('episode-legacy.play'), { thumb });
  return { body: d.body, contentType: d.headers['content-type']! };
}

function measure(name: string, input: { body: Uint8Array; contentType: string }): void {
  const times: number[] = [];
  let work: SearchWork = { comparisons: 0 };
  for (let i = 0; i < RUNS; i++) {
    work = { comparisons: 0 };
    const t0 = performance.now();
    try {
      parseMultipart(input.body, input.contentType, work);
    } catch {
      // a refusal is a result too; only the time matters here
    }
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${name.padEnd(44)} ${(input.body.length / 1024 / 1024).toFixed(1).padStart(5)} MB  median ${median.toFixed(1).padStart(7)} ms  ${(work.comparisons / input.body.length).toFixed(2)} comparisons/byte`);
}

console.log(`multipart parser, median of ${RUNS} runs each\n`);
measure('baseline: Plex delivery with a 5 MB poster', plexBody());
const hostile = hostileBody();
measure('hostile: 71-dash runs, 70-dash boundary', hostile);
const old = naiveComparisons(hostile.body, new TextEncoder().encode(`--${'-'.repeat(70)}`));
console.log(`\nthe previous scan on the hostile body: ${(old / hostile.body.length).toFixed(1)} comparisons/byte (linear: ≤ 2)`);
