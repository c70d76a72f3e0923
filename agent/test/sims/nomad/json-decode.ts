/**
 * @module nomad-sim/json-decode
 * Mimics Go's json.Decoder.Decode on a request body: only the first JSON value
 * is read (trailing bytes are ignored), and syntax errors carry encoding/json's
 * scanner wording ("invalid character 'x' looking for beginning of value",
 * "unexpected EOF"), which Nomad returns verbatim with a 400.
 */
import { coded } from './errors';

class Scan {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (/[ \t\r\n]/.test(this.s[this.i] ?? 'x')) this.i++;
  }
  fail(context: string): never {
    const c = this.s[this.i];
    if (c === undefined) throw coded(400, 'unexpected EOF');
    throw coded(400, `invalid character ${quoteChar(c)} ${context}`);
  }
  value(): void {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const lit of ['true', 'false', 'null']) {
      if (c === lit[0]) {
        for (let k = 1; k < lit.length; k++) {
          this.i++;
          if (this.s[this.i] !== lit[k]) this.fail(`in literal ${lit} (expecting '${lit[k] ?? ''}')`);
        }
        this.i++;
        return;
      }
    }
    this.fail('looking for beginning of value');
  }
  object(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('looking for beginning of object key string');
      this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('after object key');
      this.i++;
      this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] === '}') {
        this.i++;
        return;
      } else this.fail('after object key:value pair');
    }
  }
  array(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] === ']') {
        this.i++;
        return;
      } else this.fail('after array element');
    }
  }
  string(): void {
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('');
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < ' ') this.fail('in string literal');
      this.i += c === '\\' ? 2 : 1;
    }
  }
  number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) {
      this.i++;
      this.fail('in numeric literal');
    }
    this.i += m[0].length;
  }
}

function quoteChar(c: string): string {
  return c === "'" ? "'\\''" : `'${c}'`;
}

export function decodeGoJson(text: string): unknown {
  if (text.trim() === '') throw coded(400, 'EOF');
  const scan = new Scan(text);
  scan.value();
  return JSON.parse(text.slice(0, scan.i));
}
