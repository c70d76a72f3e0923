/**
 * @module nomad-sim/duration
 * Go's time.ParseDuration subset ("1h2m3.5s", "100ms", "10us"): Nomad parses
 * `?wait=` and jobspec durations with it and stores nanoseconds in JSON.
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Returns nanoseconds, or undefined when Go would reject the string. */
export function parseGoDuration(input: string): number | undefined {
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return undefined;
    const [whole, num, unit] = m;
    total += Number(num) * (UNIT_NS[unit as string] ?? 0);
    s = s.slice((whole as string).length);
  }
  return sign * Math.round(total);
}
