/**
 * @module
 * Human messages for invalid input, in one place for every 400: zod's defaults ("Too small:
 * expected string to have >=1 characters") become what a form would say next to the field
 * ("Host is required."). Parse with `{ error: humanError }`: zod gives a schema's own message
 * precedence over it, so messages written into a schema ("must be between 0 and 1") are kept and
 * only get the field's name in front. Messages never echo the input (it may be a secret).
 *
 * @example
 * const r = schema.safeParse(body, { error: humanError });
 * if (!r.success) throw new AppError('BAD_REQUEST', summaryOf(issues), { issues: fieldIssuesOf(r.error) });
 */
import type { z } from 'zod';
import type { FieldIssue } from './errors';

/** Words that are not written the way camelCase splitting would leave them. */
const WORDS: Record<string, string> = { tmdb: 'TMDB', tvdb: 'TVDB', imdb: 'IMDb', uuid: 'UUID', url: 'URL', ssh: 'SSH', id: 'id', ids: 'ids', ip: 'IP' };

/** `watchedThreshold` → "Watched threshold", `tmdbId` → "TMDB id"; the last named segment of a path. */
export function fieldLabel(path: readonly PropertyKey[]): string {
  const name = [...path].reverse().find((p): p is string => typeof p === 'string' && !/^\d+$/.test(p));
  if (!name) return path.length ? 'This entry' : 'The request';
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => WORDS[w.toLowerCase()] ?? w.toLowerCase());
  const first = words[0] ?? name;
  words[0] = first === first.toLowerCase() ? first.charAt(0).toUpperCase() + first.slice(1) : first;
  return words.join(' ');
}

const NOUNS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
  null: 'empty',
};

const FORMATS: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  datetime: 'a date and time such as 2025-01-31T20:00:00Z',
  date: 'a date such as 2025-01-31',
  time: 'a time such as 20:00:00',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
};

type RawIssue = z.core.$ZodRawIssue;

function sizeMessage(label: string, iss: RawIssue & { origin?: string; inclusive?: boolean }, bound: number | bigint, small: boolean): string {
  const n = Number(bound);
  switch (iss.origin) {
    case 'string':
      if (small && n <= 1) return `${label} is required.`;
      return `${label} must be ${small ? 'at least' : 'at most'} ${n} character${n === 1 ? '' : 's'}.`;
    case 'array':
    case 'set':
      if (small && n <= 1) return `${label} needs at least one entry.`;
      return `${label} must have ${small ? 'at least' : 'at most'} ${n} entr${n === 1 ? 'y' : 'ies'}.`;
    default:
      if (iss.inclusive === false) return `${label} must be ${small ? 'more' : 'less'} than ${n}.`;
      return `${label} must be ${small ? 'at least' : 'at most'} ${n}.`;
  }
}

/** The message for a zod issue that carries no message of its schema's own. */
export const humanError: z.core.$ZodErrorMap = (iss) => {
  const label = fieldLabel(iss.path ?? []);
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `${label} is required.`;
      if (iss.expected === 'number' && typeof iss.input === 'number' && Number.isNaN(iss.input)) return `${label} must be a number.`;
      return `${label} must be ${NOUNS[iss.expected] ?? iss.expected}.`;
    case 'too_small':
      return sizeMessage(label, iss, iss.minimum, true);
    case 'too_big':
      return sizeMessage(label, iss, iss.maximum, false);
    case 'invalid_format':
      return FORMATS[iss.format] ? `${label} must be ${FORMATS[iss.format]}.` : `${label} is not in the expected format.`;
    case 'not_multiple_of':
      return `${label} must be a multiple of ${String(iss.divisor)}.`;
    case 'unrecognized_keys':
      return `Unknown field${iss.keys.length === 1 ? '' : 's'}: ${iss.keys.slice(0, 5).join(', ')}${iss.keys.length > 5 ? ', …' : ''}.`;
    case 'invalid_value':
      return iss.values.length === 1 ? `${label} must be ${JSON.stringify(iss.values[0])}.` : `${label} must be one of: ${iss.values.map((v) => String(v)).join(', ')}.`;
    case 'invalid_union': {
      // The branch whose type fits the input says best what is wrong ("12ab" for a number-or-digits
      // field: the digits branch's "must be a number such as 1396", not the number branch's type).
      const fitting = iss.errors?.find((branch) => branch.length > 0 && branch[0]?.code !== 'invalid_type');
      const inner = fitting?.[0]?.message;
      return inner ? polish(inner, iss.path ?? []) : `${label} is not valid.`;
    }
    case 'invalid_key':
    case 'invalid_element':
      return `${label} has an entry that is not valid.`;
    default:
      return `${label} is not valid.`;
  }
};

/**
 * A schema's own message, made a sentence about its field: "must be between 0 and 1" →
 * "Watched threshold must be between 0 and 1."; "host must be a hostname…" → "Host must be…".
 */
function polish(message: string, path: readonly PropertyKey[]): string {
  let m = message.trim();
  if (/^(must|may|should|is|are|has|needs|contains)\b/.test(m)) m = `${fieldLabel(path)} ${m}`;
  m = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?…)]$/.test(m) ? m : `${m}.`;
}

/** Field issues for a 400: dotted paths (with `prefix` in front, e.g. ['params']) and human messages. */
export function fieldIssuesOf(error: z.ZodError, prefix: readonly string[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of error.issues) {
    const issue = { path: [...prefix, ...i.path.map(String)].join('.') || '(root)', message: polish(i.message, i.path) };
    // Two checks can fail for one reason (a union's branch and a refine): say it once.
    if (!out.some((o) => o.path === issue.path && o.message === issue.message)) out.push(issue);
    if (out.length === 20) break;
  }
  return out;
}

/** The sentence a 400 leads with: the first problem, and how many more there are. */
export function summaryOf(issues: readonly FieldIssue[], fallback = 'The request is not valid.'): string {
  const [first] = issues;
  if (!first) return fallback;
  const more = issues.length - 1;
  return more > 0 ? `${first.message.replace(/\.$/, '')} (and ${more} more problem${more === 1 ? '' : 's'}).` : first.message;
}
