/**
 * @module plex-sim/media-container
 * PMS answers: a `MediaContainer` root with attributes and child elements, as XML by default or JSON when the
 * client sends `Accept: application/json`. XML booleans are "0"/"1", JSON ones true/false; in JSON, children
 * are arrays keyed by element name (`Directory[]`, `Metadata[]` for items, `Location[]`), attributes are fields.
 */

export type AttrValue = string | number | boolean | null | undefined;

export interface PlexElement {
  tag: string;
  attrs: Record<string, AttrValue>;
  children?: PlexElement[];
  /** JSON key for this element's array (default: the tag; items use Metadata). */
  jsonKey?: string;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&#10;');

function xmlAttrs(attrs: Record<string, AttrValue>): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    out += ` ${k}="${xmlEscape(typeof v === 'boolean' ? (v ? '1' : '0') : String(v))}"`;
  }
  return out;
}

function toXml(el: PlexElement, indent: string): string {
  const open = `${indent}<${el.tag}${xmlAttrs(el.attrs)}`;
  if (!el.children?.length) return `${open} />\n`;
  return `${open}>\n${el.children.map((c) => toXml(c, `${indent}  `)).join('')}${indent}</${el.tag}>\n`;
}

function toJson(el: PlexElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(el.attrs)) if (v !== undefined && v !== null) out[k] = v;
  for (const c of el.children ?? []) {
    const key = c.jsonKey ?? c.tag;
    ((out[key] ??= []) as unknown[]).push(toJson(c));
  }
  return out;
}

export function container(attrs: Record<string, AttrValue>, children: PlexElement[] = []): PlexElement {
  return { tag: 'MediaContainer', attrs: { size: children.length, ...attrs }, children };
}

/** The body and content type for a client (JSON when it accepts application/json, else XML). */
export function render(root: PlexElement, accept: string | undefined): { body: string; type: string } {
  if ((accept ?? '').includes('application/json')) return { body: JSON.stringify({ [root.tag]: toJson(root) }), type: 'application/json' };
  return { body: `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(root, '')}`, type: 'text/xml;charset=utf-8' };
}
