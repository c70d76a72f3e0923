/**
 * @module docker-host/template
 * The Go-template subset `docker … --format` calls use: `{{json .A.B}}`, `{{.A.B}}` (maps print as
 * Go does: `map[k:v]`), `{{range .List}}…{{end}}` with `.` bound to each element, and literal text.
 * Anything else is a template error, as Docker reports one.
 */

function lookup(data: unknown, path: string): unknown {
  if (path === '.') return data;
  let v: unknown = data;
  for (const key of path.replace(/^\./, '').split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function plain(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(plain).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.entries(v).map(([k, x]) => `${k}:${plain(x)}`).join(' ')}]`;
  return String(v);
}

export function renderTemplate(tmpl: string, data: unknown): string {
  let out = '';
  let i = 0;
  while (i < tmpl.length) {
    const open = tmpl.indexOf('{{', i);
    if (open < 0) {
      out += tmpl.slice(i);
      break;
    }
    out += tmpl.slice(i, open);
    const close = tmpl.indexOf('}}', open);
    if (close < 0) throw new Error(`template parsing error: template: :1: unclosed action`);
    const action = tmpl.slice(open + 2, close).trim();
    i = close + 2;
    const range = /^range\s+(\S+)$/.exec(action);
    if (range) {
      const end = tmpl.indexOf('{{end}}', i);
      if (end < 0) throw new Error('template parsing error: template: :1: unexpected EOF');
      const body = tmpl.slice(i, end);
      const list = lookup(data, range[1] ?? '.');
      for (const item of Array.isArray(list) ? list : []) out += renderTemplate(body, item);
      i = end + '{{end}}'.length;
      continue;
    }
    const json = /^json\s+(\S+)$/.exec(action);
    if (json) out += JSON.stringify(lookup(data, json[1] ?? '.') ?? null);
    else if (/^\.[\w.]*$/.test(action)) out += plain(lookup(data, action));
    else throw new Error(`template parsing error: template: :1: function "${action.split(/\s+/)[0] ?? ''}" not defined`);
  }
  return out;
}
