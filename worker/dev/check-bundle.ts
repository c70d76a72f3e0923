/**
 * @module
 * `npm run deploy:check`: bundles the Worker exactly as `wrangler deploy` would (dry run, no
 * account needed) and fails if the gzipped bundle exceeds the Workers limit we hold
 * ourselves to (1 MiB). Then checks the admin bundle (admin-bundle.ts: the first page load's JS
 * within 80 KiB gzipped, no zod), building it if it is not there. Prints the sizes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './stack-paths';
import { checkAdminBundle } from './admin-bundle';

const LIMIT = 1024 * 1024;
const out = mkdtempSync(path.join(tmpdir(), 'plexops-bundle-'));
try {
  const res = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', out], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    console.error(res.stdout, res.stderr);
    console.error('wrangler deploy --dry-run failed');
    process.exit(1);
  }
  let raw = 0;
  let gz = 0;
  for (const f of readdirSync(out)) {
    if (!/\.(m?js|wasm)$/.test(f)) continue;
    const file = path.join(out, f);
    raw += statSync(file).size;
    gz += gzipSync(readFileSync(file), { level: 9 }).length;
  }
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`worker bundle: ${kib(raw)} raw, ${kib(gz)} gzipped (limit ${kib(LIMIT)} gzipped)`);
  if (gz > LIMIT) {
    console.error('bundle too large');
    process.exit(1);
  }

  const dist = path.join(ROOT, 'admin/dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    const built = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'admin/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) {
      console.error(built.stdout, built.stderr);
      console.error('admin build failed');
      process.exit(1);
    }
  }
  const admin = checkAdminBundle(dist);
  console.log('admin bundle:');
  for (const line of admin.lines) console.log(line);
  if (admin.problems.length) {
    for (const p of admin.problems) console.error(p);
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
