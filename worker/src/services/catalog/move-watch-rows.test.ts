import { describe, expect, it } from 'vitest';
import { overlappingPlays } from './move-watch-rows';

const H = 3_600_000;
const play = (id: string, accountId: string, atHours: number, windowHours = 6) => ({ id, accountId, playedAt: atHours * H, windowEnd: (atHours + windowHours) * H });

describe('overlappingPlays: the merge rule for plays of two items that become one', () => {
  it('keeps the earlier of two plays in one completion window (one viewing), per account', () => {
    expect(overlappingPlays([play('b', '1', 2), play('a', '1', 0)])).toEqual(['b']);
    expect(overlappingPlays([play('a', '1', 0), play('b', '2', 2)])).toEqual([]);
  });

  it('plays a window apart are both kept (a rewatch)', () => {
    expect(overlappingPlays([play('a', '1', 0), play('b', '1', 6), play('c', '1', 13)])).toEqual([]);
  });

  it('a chain is decided greedily from the earliest, as inserts in time order would be', () => {
    // b overlaps a (dropped); c starts after a's window: kept, though it overlaps the dropped b.
    expect(overlappingPlays([play('a', '1', 0), play('b', '1', 5), play('c', '1', 7)])).toEqual(['b']);
  });

  it('equal times are decided by id, so the outcome never depends on row order', () => {
    expect(overlappingPlays([play('z', '1', 1), play('m', '1', 1)])).toEqual(['z']);
  });
});
