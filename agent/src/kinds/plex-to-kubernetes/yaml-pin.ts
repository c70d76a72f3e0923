/**
 * @module
 * Sets one scalar in a YAML file (a Helm values file or a Flux HelmRelease) by its dotted key path, changing
 * nothing else: comments, blank lines, indentation, key order and the value's quoting style stay as they
 * were. Block mappings only (what these files use); a path that is missing or not a scalar is an error, never
 * a guess.
 */

export class YamlPinError extends Error {}

export function setYamlScalar(text: string, keyPath: string, value: string): { text: string; old: string } {
  const keys = keyPath.split('.');
  const lines = text.split('\n');
  let depth = 0;
  let parentIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#|$)/.test(line) || /^(---|\.\.\.)\s*$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (indent <= parentIndent) throw new YamlPinError(`key ${keys.slice(0, depth + 1).join('.')} not found`);
    const m = line.match(/^(\s*)(["']?)([^"'#:]+)\2:(\s*)(.*)$/);
    if (!m || m[3]!.trim() !== keys[depth]) continue;
    if (depth < keys.length - 1) {
      depth++;
      parentIndent = indent;
      continue;
    }
    const rest = m[5]!;
    const v = rest.match(/^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#][^#]*?)?(\s+#.*)?$/);
    if (!v || v[1] === undefined || v[1] === '|' || v[1] === '>') throw new YamlPinError(`${keyPath} is not a scalar`);
    const old = v[1];
    const quote = old.startsWith('"') ? '"' : old.startsWith("'") ? "'" : /^[\d.]+$/.test(value) || /[:#]/.test(value) ? '"' : '';
    const next = quote === "'" ? `'${value.replace(/'/g, "''")}'` : quote ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
    lines[i] = `${m[1]}${m[2]}${m[3]}${m[2]}:${m[4]}${next}${v[2] ?? ''}`;
    return { text: lines.join('\n'), old: old.replace(/^["']|["']$/g, '') };
  }
  throw new YamlPinError(`key ${keys.slice(0, depth + 1).join('.')} not found`);
}
