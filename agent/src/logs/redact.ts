/**
 * @module
 * Secret redaction, applied to every log line BEFORE it is spooled to disk or uploaded.
 *
 * - Known secrets (agent token, secret-looking env values, Nomad tokens, secret job params) are
 *   replaced wherever they appear. A multi-line secret (a private key) is also registered line by
 *   line, because logs are redacted per line and such a value never fits on one.
 * - Any PEM private-key block is blanked from its BEGIN line to its END line even if its value
 *   was never registered (a key `cat`-ed by a step is still a key).
 * - {@link LineAssembler} turns arbitrary byte chunks into lines; an over-long line is cut only at
 *   a point no secret can straddle, so a value split across chunk boundaries is still caught.
 */
import { isSecretName, REDACTED } from '../../../worker/src/contracts/secrets';
export { REDACTED } from '../../../worker/src/contracts/secrets';
import { secretForms } from './secret-forms';

/** Values shorter than this are not treated as secrets: redacting "1" or "yes" would shred logs. */
const MIN_SECRET_LENGTH = 6;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;

/** Env values that look secret by their variable's name. */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v !== undefined && isSecretName(k))
    .map(([, v]) => v as string);
}

/** Secret values inside params: listed paths plus any string under a secret-looking key. */
export function secretsFromParams(params: unknown, paths: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string, path: string) => {
    if (typeof v === 'string') {
      if (paths.includes(path) || isSecretName(key)) out.push(v);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, key, `${path}.${i}`));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, k, path ? `${path}.${k}` : k);
  };
  walk(params, '', '');
  return out;
}

export class Redactor {
  #secrets: string[] = [];
  #inPem = false;

  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets);
  }

  /**
   * Registers secrets in every form a tool may print them (secret-forms.ts); multi-line values
   * are also registered line by line.
   */
  add(...values: string[]): void {
    const set = new Set(this.#secrets);
    for (const v of values) {
      if (typeof v !== 'string') continue;
      if (v.trim().length >= MIN_SECRET_LENGTH) for (const f of secretForms(v)) set.add(f);
      if (/[\r\n]/.test(v))
        for (const line of v.split(/\r?\n|\r/)) {
          const t = line.trim();
          if (t.length >= MIN_SECRET_LENGTH) for (const f of secretForms(t)) set.add(f);
        }
    }
    // Longest first, so a secret containing another is replaced whole.
    this.#secrets = [...set].sort((a, b) => b.length - a.length);
  }

  get maxSecretLength(): number {
    return this.#secrets[0]?.length ?? 0;
  }

  /** Replaces every known secret in a string (no line semantics). */
  redactText(text: string): string {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** Redacts one complete line, tracking PEM private-key blocks across lines. */
  redactLine(line: string): string {
    if (this.#inPem) {
      if (PEM_END.test(line)) this.#inPem = false;
      return REDACTED;
    }
    if (PEM_BEGIN.test(line)) {
      this.#inPem = !PEM_END.test(line);
      return REDACTED;
    }
    return this.redactText(line);
  }

  /**
   * Where an over-long buffer may be cut: as late as possible such that no secret occurrence
   * straddles the cut and no secret could still be completed by bytes yet to come.
   */
  safeCut(buffer: string): number {
    const max = this.maxSecretLength;
    if (max <= 1) return buffer.length;
    let cut = Math.max(0, buffer.length - (max - 1));
    for (const s of this.#secrets) {
      let i = buffer.indexOf(s);
      while (i !== -1) {
        if (i < cut && i + s.length > cut) cut = i;
        i = buffer.indexOf(s, i + 1);
      }
    }
    return cut;
  }
}

/**
 * Assembles lines from a chunked text stream and redacts them. Lines longer than `maxLine` are
 * emitted in pieces, cut where {@link Redactor.safeCut} says.
 */
export class LineAssembler {
  #buf = '';
  constructor(
    private readonly redactor: Redactor,
    private readonly emit: (line: string) => void,
    private readonly maxLine = 16 * 1024,
  ) {}

  push(chunk: string): void {
    this.#buf += chunk;
    let nl: number;
    while ((nl = this.#buf.search(/\r?\n/)) !== -1) {
      const line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(this.#buf[nl] === '\r' ? nl + 2 : nl + 1);
      this.emit(this.redactor.redactLine(line));
    }
    while (this.#buf.length > this.maxLine) {
      // cut 0: a secret may still be completing at the very start; wait for more bytes (the
      // buffer stays bounded by the longest secret).
      const cut = this.redactor.safeCut(this.#buf);
      if (cut === 0) break;
      this.emit(this.redactor.redactLine(this.#buf.slice(0, cut)));
      this.#buf = this.#buf.slice(cut);
    }
  }

  /** Emits whatever is left (a final line without newline). */
  end(): void {
    if (this.#buf.length > 0) this.emit(this.redactor.redactLine(this.#buf));
    this.#buf = '';
  }
}
