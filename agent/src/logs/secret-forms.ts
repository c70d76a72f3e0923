/**
 * @module
 * The forms a secret takes when a tool prints it: as it is, upper-cased, hex, percent-encoded
 * (a token in a URL), JSON-escaped (`kubectl -o json` printing a secret that holds a `"`), and
 * base64 / base64url (a Kubernetes Secret's data, a Basic auth header). A redactor that knows
 * only the raw value leaks every one of these.
 *
 * Base64 inside a longer string depends on where the secret starts relative to the 3-byte
 * groups, so each of the three alignments is registered, cut to the characters that come from
 * the secret alone (the first and last characters mix in neighbouring bytes).
 */

/** Shortest encoded fragment worth redacting: shorter ones match ordinary text. */
const MIN_FORM_LENGTH = 8;

function base64Fragments(secret: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  for (let lead = 0; lead < 3; lead++) {
    const padded = Buffer.concat([Buffer.alloc(lead), secret]);
    const text = padded.toString(alphabet).replace(/=+$/, '');
    // Characters fully inside the secret: from the first 6-bit group after the lead bytes to
    // the last group that ends inside the secret.
    const start = Math.ceil((lead * 8) / 6);
    const end = Math.floor(((lead + secret.length) * 8) / 6);
    if (end - start >= MIN_FORM_LENGTH) out.push(text.slice(start, end));
  }
  return out;
}

/** Every form of `secret` worth redacting, the raw value first. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret]);
  const add = (f: string) => f.length >= MIN_FORM_LENGTH && forms.add(f);
  add(secret.toUpperCase());
  add(secret.toLowerCase());
  add(bytes.toString('hex'));
  add(bytes.toString('hex').toUpperCase());
  const pct = encodeURIComponent(secret);
  add(pct);
  add(pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  add(pct.replace(/%20/g, '+'));
  add(JSON.stringify(secret).slice(1, -1));
  for (const f of [...base64Fragments(bytes, 'base64'), ...base64Fragments(bytes, 'base64url')]) add(f);
  return [...forms];
}
