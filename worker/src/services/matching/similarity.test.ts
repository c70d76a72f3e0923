import { describe, expect, it } from 'vitest';
import { confidenceOf, isNearMiss, normalizeTitle, trigramSimilarity, typoDistance } from './similarity';

describe('typoDistance (optimal string alignment)', () => {
  it('counts substitutions, insertions, deletions and a swap of neighbours as one edit each', () => {
    expect(typoDistance('severance', 'severence')).toBe(1);
    expect(typoDistance('oppenheimer', 'oppenhiemer')).toBe(1);
    expect(typoDistance('breaking bad', 'braking bad')).toBe(1);
    expect(typoDistance('abc', 'abc')).toBe(0);
    expect(typoDistance('', 'abc')).toBe(3);
    expect(typoDistance('kitten', 'sitting')).toBe(3);
  });

  it('compares characters, not UTF-16 units', () => {
    expect(typoDistance('🎬a', '🎬b')).toBe(1);
  });
});

describe('isNearMiss: a typo or other accents, not a different title', () => {
  const near = (q: string, c: string, qy: number | null = null, cy: number | null = null) => isNearMiss({ title: q, year: qy }, { titles: [c], year: cy });

  it('the cases from the issue are near-misses', () => {
    expect(near('Severence', 'Severance')).toBe(true);
    expect(near('Shogun', 'Shōgun')).toBe(true);
    expect(near('Oppenhiemer', 'Oppenheimer', 2023, 2023)).toBe(true);
  });

  it('diacritics fold: the titles are equal once folded', () => {
    expect(normalizeTitle('Shōgun')).toBe(normalizeTitle('Shogun'));
    expect(trigramSimilarity('Amélie', 'Amelie')).toBe(1);
  });

  it('years must agree (unknown or at most one apart)', () => {
    expect(near('Oppenhiemer', 'Oppenheimer', 2023, 2024)).toBe(true);
    expect(near('Oppenhiemer', 'Oppenheimer', 2023, 1999)).toBe(false);
    expect(near('Dune', 'Dune', 1984, 2021)).toBe(false);
  });

  it('different titles that share words are not near-misses', () => {
    expect(near('Star Trek: Picard', 'Star Trek: Discovery')).toBe(false);
    expect(near('The Office', 'The Offer')).toBe(false);
    expect(near('Breaking Bad', 'Better Call Saul')).toBe(false);
  });

  it('short titles need more than a keystroke to match by chance', () => {
    expect(near('Up', 'It')).toBe(false);
    expect(near('Dune', 'Dnue')).toBe(true);
  });

  it('an original title can be the near one', () => {
    expect(isNearMiss({ title: 'Amelie', year: 2001 }, { titles: ['Amélie', 'Le Fabuleux Destin d’Amélie Poulain'], year: 2001 })).toBe(true);
  });

  it('a near-miss can score below the auto-map threshold (so it is a conflict, not a match)', () => {
    expect(confidenceOf({ title: 'Severence', year: null }, { titles: ['Severance'], year: 2022 })).toBeLessThan(0.9);
  });
});
