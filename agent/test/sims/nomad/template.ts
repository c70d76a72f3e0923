/**
 * @module nomad-sim/template
 * The consul-template subset Nomad `template` blocks use for an Overseerr/Litestream job:
 * `{{ env "NAME" }}`, `{{ with nomadVar "path" }}…{{ .key }}…{{ end }}` (Nomad Variables), comments
 * `{{/* … *\/}}` and `{{-`/`-}}` whitespace trimming. A variable that does not exist yet blocks the
 * template like Nomad's client does ("Missing: nomad.var.block(path@namespace.region)");
 * any other function is a template error. Vault (`secret`), Consul and service lookups are left out.
 */

export class TemplateMissing extends Error {}

interface Ctx {
  env: Record<string, string>;
  nomadVar(path: string): Record<string, string> | undefined;
  namespace: string;
  region: string;
}

type Token = { text: string } | { action: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error('template: unclosed action');
    let action = src.slice(open + 2, close);
    if (action.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    let next = close + 2;
    if (action.endsWith('-')) {
      action = action.slice(0, -1);
      const m = /^\s*/.exec(src.slice(next));
      next += m?.[0].length ?? 0;
    }
    if (text) out.push({ text });
    out.push({ action: action.trim() });
    i = next;
  }
  return out;
}

const STRING_ARG = /^"((?:[^"\\]|\\.)*)"$/;

function render(tokens: Token[], start: number, ctx: Ctx, dot: Record<string, string> | undefined): { out: string; end: number } {
  let out = '';
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if ('text' in t) {
      out += t.text;
      continue;
    }
    const a = t.action;
    if (a.startsWith('/*')) continue;
    if (a === 'end') return { out, end: i };
    const env = /^env\s+(.+)$/.exec(a);
    if (env) {
      const name = STRING_ARG.exec(env[1] ?? '')?.[1];
      if (name === undefined) throw new Error(`template: bad env argument: ${env[1] ?? ''}`);
      out += ctx.env[name] ?? '';
      continue;
    }
    const withVar = /^with\s+nomadVar\s+(.+)$/.exec(a);
    if (withVar) {
      const path = STRING_ARG.exec(withVar[1] ?? '')?.[1];
      if (path === undefined) throw new Error(`template: bad nomadVar argument: ${withVar[1] ?? ''}`);
      const items = ctx.nomadVar(path);
      if (!items) throw new TemplateMissing(`Missing: nomad.var.block(${path}@${ctx.namespace}.${ctx.region})`);
      const inner = render(tokens, i + 1, ctx, items);
      if (inner.end >= tokens.length) throw new Error('template: unexpected EOF (missing {{ end }})');
      out += inner.out;
      i = inner.end;
      continue;
    }
    const field = /^\.([A-Za-z_][\w-]*)$/.exec(a);
    if (field && dot) {
      out += dot[field[1] ?? ''] ?? '<no value>';
      continue;
    }
    throw new Error(`template: function "${a.split(/\s+/)[0] ?? ''}" not defined`);
  }
  return { out, end: tokens.length };
}

export function renderTemplate(src: string, ctx: Ctx): string {
  const tokens = tokenize(src);
  const { out, end } = render(tokens, 0, ctx, undefined);
  if (end !== tokens.length) throw new Error('template: unexpected {{end}}');
  return out;
}
