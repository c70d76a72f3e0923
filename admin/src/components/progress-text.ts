/** @module How far an account is into a show, in words (pure, unit-tested in Node). */

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "6 / 9 episodes · 66 %" when the total is known; "6 episodes seen" when it is not. */
export function progressText(watched: number, total: number | null): string {
  if (total === null || total <= 0) return `${plural(watched, 'episode')} seen`;
  return `${watched} / ${plural(total, 'episode')} · ${Math.floor((Math.min(watched, total) / total) * 100)} %`;
}
