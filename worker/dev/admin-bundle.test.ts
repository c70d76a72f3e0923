/** The admin bundle budget: what counts as the first load, the 80 KiB line, and the zod guard. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { checkAdminBundle } from './admin-bundle';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function dist(files: Record<string, string | Buffer>, html: string): string {
  dir = mkdtempSync(path.join(tmpdir(), 'admin-dist-'));
  mkdirSync(path.join(dir, 'assets'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, 'assets', name), body);
  writeFileSync(path.join(dir, 'index.html'), html);
  return dir;
}

describe('checkAdminBundle', () => {
  it('counts the entry and its preloads as the first load, lazy chunks apart', () => {
    const d = dist(
      { 'index-a.js': 'console.log(1)'.repeat(100), 'vendor-b.js': 'x'.repeat(500), 'stats-c.js': 'y'.repeat(5000), 'index-d.css': 'a{}' },
      '<script type="module" crossorigin src="/assets/index-a.js"></script><link rel="modulepreload" crossorigin href="/assets/vendor-b.js">',
    );
    const r = checkAdminBundle(d);
    expect(r.problems).toEqual([]);
    expect(r.lines.find((l) => l.includes('stats-c.js'))).toMatch(/^\s+lazy/);
    expect(r.lines.find((l) => l.includes('vendor-b.js'))).toMatch(/^\s+initial/);
    expect(r.lines.at(-1)).toMatch(/admin initial route JS: .* gzipped \(limit 80\.0 KiB\)/);
  });

  it('fails over 80 KiB gzipped, and when zod is in the bundle', () => {
    const d = dist({ 'index-a.js': randomBytes(90 * 1024).toString('base64') + 'class ZodError extends Error{}' }, '<script type="module" src="/assets/index-a.js"></script>');
    const r = checkAdminBundle(d);
    expect(r.problems.join('\n')).toMatch(/over the 80\.0 KiB budget/);
    expect(r.problems.join('\n')).toMatch(/contains zod/);
  });

  it('says so when the admin was not built', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'admin-dist-'));
    expect(checkAdminBundle(dir).problems[0]).toMatch(/run npm run build:admin/);
  });
});
