/**
 * @module
 * The admin bundle budget, checked by `npm run deploy:check` (and so by CI): the JavaScript the
 * first page load needs — the entry script of admin/dist/index.html plus the chunks it preloads —
 * must stay within 80 KiB gzipped; pages split into their own chunks (the graphs) load later and
 * are listed apart. The admin must not carry zod at runtime (contracts are imported as types; the
 * few runtime constants come from zod-free modules). Prints every asset's size.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const INITIAL_JS_LIMIT = 80 * 1024;

export interface AdminBundleReport {
  lines: string[];
  initialGzip: number;
  problems: string[];
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Sizes of admin/dist (built beforehand by `npm run build:admin`). */
export function checkAdminBundle(distDir: string): AdminBundleReport {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) return { lines: [], initialGzip: 0, problems: [`${index} is missing: run npm run build:admin first`] };
  const html = readFileSync(index, 'utf8');
  const initial = new Set<string>();
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="\/?([^"]+)"/g)) initial.add(m[1]!);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/?([^"]+)"/g)) initial.add(m[1]!);
  const assets = readdirSync(path.join(distDir, 'assets')).map((f) => `assets/${f}`);
  const lines: string[] = [];
  const problems: string[] = [];
  let initialGzip = 0;
  for (const rel of assets.sort()) {
    const file = path.join(distDir, rel);
    const bytes = readFileSync(file);
    const gz = gzipSync(bytes, { level: 9 }).length;
    const isJs = rel.endsWith('.js');
    const role = !isJs ? 'css' : initial.has(rel) ? 'initial' : 'lazy';
    if (role === 'initial') initialGzip += gz;
    lines.push(`  ${role.padEnd(7)} ${rel.padEnd(36)} ${kib(statSync(file).size).padStart(10)} raw ${kib(gz).padStart(9)} gzipped`);
    if (isJs && /\bZodError\b|_zod\b|\$ZodType/.test(bytes.toString('utf8'))) problems.push(`${rel} contains zod: the admin must import contracts as types only`);
  }
  if (initial.size === 0) problems.push('index.html names no module script');
  lines.push(`admin initial route JS: ${kib(initialGzip)} gzipped (limit ${kib(INITIAL_JS_LIMIT)})`);
  if (initialGzip > INITIAL_JS_LIMIT) problems.push(`the initial route's JS is ${kib(initialGzip)} gzipped, over the ${kib(INITIAL_JS_LIMIT)} budget: split a page into its own chunk`);
  return { lines, initialGzip, problems };
}
