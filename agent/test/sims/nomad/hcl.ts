/**
 * @module nomad-sim/hcl
 * A small HCL2 native-syntax reader for the jobspec subset the simulator
 * accepts: blocks with labels, attributes, strings (escapes, `${...}`
 * templates), heredocs (`<<EOF`, `<<-EOF`), numbers, bools, null, lists,
 * objects, `var.x` references and the three comment styles. Errors are
 * reported in hcl.Diagnostic's text form ("input.hcl:L,C-C2: Summary; Detail")
 * because Nomad returns that text inside "Failed to parse job: ...".
 * Function calls and arithmetic are not supported and produce a diagnostic.
 */

export interface Pos {
  line: number;
  col: number;
}
export type Expr =
  | { k: 'lit'; v: string | number | boolean | null; pos: Pos }
  | { k: 'tmpl'; parts: Array<string | { ref: string[] } | { raw: string }>; pos: Pos }
  | { k: 'list'; items: Expr[]; pos: Pos }
  | { k: 'obj'; entries: Array<[string, Expr]>; pos: Pos }
  | { k: 'ref'; path: string[]; pos: Pos };
export interface Attr {
  name: string;
  expr: Expr;
  pos: Pos;
}
export interface Block {
  type: string;
  labels: string[];
  body: Body;
  pos: Pos;
}
export interface Body {
  attrs: Attr[];
  blocks: Block[];
}

export class HclError extends Error {
  constructor(pos: Pos, summary: string, detail: string, width = 1) {
    super(`input.hcl:${pos.line},${pos.col}-${pos.col + width}: ${summary}; ${detail}`);
  }
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_-]/;

class Parser {
  private i = 0;
  private line = 1;
  private col = 1;
  constructor(private readonly src: string) {}

  pos(): Pos {
    return { line: this.line, col: this.col };
  }
  peek(o = 0): string {
    return this.src[this.i + o] ?? '';
  }
  next(): string {
    const c = this.src[this.i++] ?? '';
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else this.col++;
    return c;
  }
  eof(): boolean {
    return this.i >= this.src.length;
  }

  /** Skips blanks and comments; newlines too when `nl` is set. Returns whether a newline was crossed. */
  skip(nl: boolean): boolean {
    let crossed = false;
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.next();
      else if (c === '\n' && nl) {
        crossed = true;
        this.next();
      } else if (c === '#' || (c === '/' && this.peek(1) === '/')) {
        while (!this.eof() && this.peek() !== '\n') this.next();
      } else if (c === '/' && this.peek(1) === '*') {
        const start = this.pos();
        this.next();
        this.next();
        while (!(this.peek() === '*' && this.peek(1) === '/')) {
          if (this.eof()) throw new HclError(start, 'Unterminated template string', 'No closing marker was found for the comment.', 2);
          this.next();
        }
        this.next();
        this.next();
      } else return crossed;
    }
  }

  ident(): string {
    let s = '';
    while (IDENT.test(this.peek()) && !this.eof()) s += this.next();
    return s;
  }

  parseBody(closing: boolean, openPos?: Pos): Body {
    const body: Body = { attrs: [], blocks: [] };
    for (;;) {
      this.skip(true);
      if (this.eof()) {
        if (closing && openPos)
          throw new HclError(openPos, 'Unclosed configuration block', 'There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.');
        return body;
      }
      if (this.peek() === '}') {
        if (!closing) throw new HclError(this.pos(), 'Argument or block definition required', 'An argument or block definition is required here.');
        this.next();
        return body;
      }
      const start = this.pos();
      if (!IDENT_START.test(this.peek()))
        throw new HclError(start, 'Argument or block definition required', 'An argument or block definition is required here.');
      const name = this.ident();
      this.skip(false);
      if (this.peek() === '=') {
        this.next();
        this.skip(false);
        const expr = this.parseExpr();
        if (body.attrs.some((a) => a.name === name))
          throw new HclError(start, 'Attribute redefined', `The argument "${name}" was already set. Each argument may be set only once.`, name.length);
        body.attrs.push({ name, expr, pos: start });
        this.endOfLine();
        continue;
      }
      const labels: string[] = [];
      while (this.peek() === '"' || IDENT_START.test(this.peek())) {
        if (this.peek() === '"') {
          const e = this.parseString();
          if (e.k !== 'tmpl' || e.parts.some((p) => typeof p !== 'string'))
            throw new HclError(e.pos, 'Invalid block label', 'Template sequences are not allowed in block labels.');
          labels.push(e.parts.join(''));
        } else labels.push(this.ident());
        this.skip(false);
      }
      if (this.peek() !== '{')
        throw new HclError(this.pos(), 'Invalid block definition', 'Either a quoted string block label or an opening brace ("{") is expected here.');
      const open = this.pos();
      this.next();
      body.blocks.push({ type: name, labels, body: this.parseBody(true, open), pos: start });
      this.endOfLine();
    }
  }

  endOfLine(): void {
    this.skip(false);
    const c = this.peek();
    if (c === '\n' || c === '}' || this.eof()) return;
    throw new HclError(this.pos(), 'Missing newline after argument', 'An argument definition must end with a newline.');
  }

  parseExpr(): Expr {
    const pos = this.pos();
    const c = this.peek();
    if (c === '"') return this.parseString();
    if (c === '<' && this.peek(1) === '<') return this.parseHeredoc();
    if (c === '[') return this.parseList();
    if (c === '{') return this.parseObject();
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(this.peek(1)))) {
      let s = this.next();
      while (/[0-9.eE+-]/.test(this.peek())) s += this.next();
      const n = Number(s);
      if (Number.isNaN(n)) throw new HclError(pos, 'Invalid number literal', `Failed to recognize the value of this number literal.`, s.length);
      return { k: 'lit', v: n, pos };
    }
    if (IDENT_START.test(c)) {
      const path = [this.ident()];
      while (this.peek() === '.' && IDENT_START.test(this.peek(1))) {
        this.next();
        path.push(this.ident());
      }
      const [head] = path;
      if (path.length === 1 && (head === 'true' || head === 'false')) return { k: 'lit', v: head === 'true', pos };
      if (path.length === 1 && head === 'null') return { k: 'lit', v: null, pos };
      this.skip(false);
      if (this.peek() === '(')
        throw new HclError(pos, 'Call to unknown function', `The simulator does not evaluate HCL functions ("${head ?? ''}").`, (head ?? '').length);
      return { k: 'ref', path, pos };
    }
    if (this.eof() || c === '\n')
      throw new HclError(pos, 'Missing expression', 'Expected the start of an expression, but found the end of the file.');
    throw new HclError(pos, 'Invalid expression', 'Expected the start of an expression, but found an invalid expression token.');
  }

  parseString(): Expr {
    const pos = this.pos();
    this.next();
    const parts: Array<string | { ref: string[] } | { raw: string }> = [];
    let lit = '';
    for (;;) {
      if (this.eof() || this.peek() === '\n')
        throw new HclError(pos, 'Unterminated template string', 'No closing marker was found for the string.');
      const c = this.next();
      if (c === '"') break;
      if (c === '\\') {
        const e = this.next();
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (e === 'u') {
          let hex = '';
          for (let k = 0; k < 4; k++) hex += this.next();
          lit += String.fromCharCode(parseInt(hex, 16));
        } else if (map[e] !== undefined) lit += map[e];
        else throw new HclError(this.pos(), 'Invalid escape sequence', `The symbol "${e}" is not a valid escape sequence selector.`);
      } else if ((c === '$' || c === '%') && this.peek() === c && this.peek(1) === '{') {
        // "$${" and "%%{" are HCL's escapes for a literal "${" / "%{".
        this.next();
        this.next();
        lit += `${c}{`;
      } else if ((c === '$' || c === '%') && this.peek() === '{') {
        this.next();
        const inner = this.readInterpolation(pos);
        const m = c === '$' ? /^\s*var\.([A-Za-z_][\w-]*)\s*$/.exec(inner) : null;
        if (lit) parts.push(lit);
        lit = '';
        parts.push(m ? { ref: ['var', m[1] as string] } : { raw: `${c}{${inner}}` });
      } else lit += c;
    }
    if (lit || parts.length === 0) parts.push(lit);
    return { k: 'tmpl', parts, pos };
  }

  /** Reads up to the matching `}`; Nomad keeps non-`var` interpolations (runtime ones) verbatim. */
  readInterpolation(start: Pos): string {
    let depth = 0;
    let s = '';
    for (;;) {
      if (this.eof()) throw new HclError(start, 'Unterminated template string', 'No closing marker was found for the string.');
      const c = this.next();
      if (c === '{') depth++;
      if (c === '}') {
        if (depth === 0) return s;
        depth--;
      }
      s += c;
    }
  }

  parseHeredoc(): Expr {
    const pos = this.pos();
    this.next();
    this.next();
    const indent = this.peek() === '-';
    if (indent) this.next();
    const marker = this.ident();
    if (!marker || this.peek() !== '\n')
      throw new HclError(pos, 'Invalid heredoc', 'A heredoc must be introduced by <<MARKER followed by a newline.');
    this.next();
    const lines: string[] = [];
    for (;;) {
      if (this.eof()) throw new HclError(pos, 'Unterminated template string', `No closing marker was found for the heredoc "${marker}".`);
      let line = '';
      while (!this.eof() && this.peek() !== '\n') line += this.next();
      if (line.trim() === marker) break;
      lines.push(line);
      this.next();
    }
    let out = lines;
    if (indent) {
      const widths = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
      const cut = widths.length ? Math.min(...widths) : 0;
      out = lines.map((l) => l.slice(cut));
    }
    return { k: 'tmpl', parts: [out.map((l) => `${l}\n`).join('')], pos };
  }

  parseList(): Expr {
    const pos = this.pos();
    this.next();
    const items: Expr[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === ']') {
        this.next();
        return { k: 'list', items, pos };
      }
      if (this.eof()) throw new HclError(pos, 'Unterminated tuple constructor expression', 'There is no corresponding closing bracket before the end of the file.');
      items.push(this.parseExpr());
      this.skip(true);
      if (this.peek() === ',') this.next();
      else if (this.peek() !== ']')
        throw new HclError(this.pos(), 'Missing item separator', 'Expected a comma to mark the beginning of the next item.');
    }
  }

  parseObject(): Expr {
    const pos = this.pos();
    this.next();
    const entries: Array<[string, Expr]> = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === '}') {
        this.next();
        return { k: 'obj', entries, pos };
      }
      if (this.eof()) throw new HclError(pos, 'Unterminated object constructor expression', 'There is no corresponding closing brace before the end of the file.');
      let key: string;
      if (this.peek() === '"') {
        const e = this.parseString();
        key = e.k === 'tmpl' ? e.parts.map((p) => (typeof p === 'string' ? p : '')).join('') : '';
      } else if (IDENT_START.test(this.peek())) key = this.ident();
      else throw new HclError(this.pos(), 'Invalid object key', 'An object key must be an identifier or a string.');
      this.skip(false);
      if (this.peek() !== '=' && this.peek() !== ':')
        throw new HclError(this.pos(), 'Missing key/value separator', 'Expected an equals sign ("=") to mark the beginning of the attribute value.');
      this.next();
      this.skip(false);
      entries.push([key, this.parseExpr()]);
      const crossed = this.skip(true);
      if (this.peek() === ',') this.next();
      else if (this.peek() !== '}' && !crossed)
        throw new HclError(this.pos(), 'Missing attribute separator', 'Expected a newline or comma to mark the beginning of the next attribute.');
    }
  }
}

export function parseHcl(src: string): Body {
  return new Parser(src).parseBody(false);
}

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** Evaluates an expression; `vars` holds resolved `variable` values. */
export function evaluate(expr: Expr, vars: Record<string, Value>): Value {
  switch (expr.k) {
    case 'lit':
      return expr.v;
    case 'list':
      return expr.items.map((e) => evaluate(e, vars));
    case 'obj':
      return Object.fromEntries(expr.entries.map(([k, e]) => [k, evaluate(e, vars)]));
    case 'ref':
      return lookupVar(expr.path, vars, expr.pos);
    case 'tmpl': {
      const [only] = expr.parts;
      if (expr.parts.length === 1 && typeof only === 'object' && 'ref' in only) return lookupVar(only.ref, vars, expr.pos);
      return expr.parts
        .map((p) => (typeof p === 'string' ? p : 'raw' in p ? p.raw : String(lookupVar(p.ref, vars, expr.pos))))
        .join('');
    }
  }
}

function lookupVar(path: string[], vars: Record<string, Value>, pos: Pos): Value {
  const [root, name] = path;
  if (root !== 'var' || name === undefined)
    throw new HclError(pos, 'Unknown variable', `There is no variable named "${root ?? ''}".`, (root ?? '').length);
  if (!(name in vars))
    throw new HclError(pos, 'Unsupported attribute', `This object does not have an attribute named "${name}".`, name.length);
  return vars[name] as Value;
}
