/**
 * @module s3-sim/xml
 * The little XML S3 needs: rendering response documents (escaped text, the 2006-03-01 namespace)
 * and parsing the two request bodies the simulator accepts (`<Delete>`, `<CompleteMultipartUpload>`).
 * The parser is deliberately strict and small: elements, text, the five predefined entities and
 * character references. A DOCTYPE, entity declarations, processing instructions other than the
 * XML declaration, or anything malformed is refused (→ MalformedXML), so hostile bodies such as
 * entity expansion bombs never expand.
 */
import { malformedXml } from './errors';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A node for rendering: an element name with text, or with child nodes. */
export type XmlNode = [name: string, content: string | number | boolean | XmlNode[]];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function renderNode([name, content]: XmlNode): string {
  const inner = Array.isArray(content) ? content.map(renderNode).join('') : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

/** A complete document: declaration plus `root` in the S3 namespace (or none, as for `<Error>`). */
export function renderDocument(root: string, children: XmlNode[], namespaced = true): string {
  const attrs = namespaced ? ` xmlns="${S3_NS}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attrs}>${children.map(renderNode).join('')}</${root}>`;
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos|[^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw malformedXml();
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref] as string;
    const cp = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : ref.startsWith('#') ? Number.parseInt(ref.slice(1), 10) : Number.NaN;
    if (!Number.isInteger(cp) || cp < 1 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw malformedXml();
    return String.fromCodePoint(cp);
  });
}

/** Parses a small XML document into its root element; throws MalformedXML on anything else. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  skipWs();
  if (text.startsWith('<?xml', i)) {
    const end = text.indexOf('?>', i);
    if (end < 0) throw malformedXml();
    i = end + 2;
  }
  const parseElement = (depth: number): XmlElement => {
    if (depth > 32) throw malformedXml();
    skipWs();
    if (text[i] !== '<') throw malformedXml();
    i++;
    const m = NAME.exec(text.slice(i, i + 256));
    if (!m) throw malformedXml();
    const name = m[0].includes(':') ? m[0].split(':').pop() ?? m[0] : m[0];
    i += m[0].length;
    // Attributes (e.g. xmlns) are accepted and ignored.
    const close = text.indexOf('>', i);
    if (close < 0) throw malformedXml();
    const attrs = text.slice(i, close);
    if (/[<]/.test(attrs)) throw malformedXml();
    i = close + 1;
    const el: XmlElement = { name, children: [], text: '' };
    if (attrs.trimEnd().endsWith('/')) return el;
    let raw = '';
    for (;;) {
      if (i >= text.length) throw malformedXml();
      if (text.startsWith('</', i)) {
        const end = text.indexOf('>', i);
        if (end < 0 || text.slice(i + 2, end).trim().split(':').pop() !== name) throw malformedXml();
        i = end + 1;
        el.text = decodeEntities(raw);
        return el;
      }
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) throw malformedXml();
        i = end + 3;
        continue;
      }
      if (text.startsWith('<!', i) || text.startsWith('<?', i)) throw malformedXml();
      if (text[i] === '<') {
        el.children.push(parseElement(depth + 1));
        continue;
      }
      const next = text.indexOf('<', i);
      if (next < 0) throw malformedXml();
      raw += text.slice(i, next);
      i = next;
    }
  };
  const root = parseElement(0);
  skipWs();
  if (i !== text.length) throw malformedXml();
  return root;
}

export const child = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
