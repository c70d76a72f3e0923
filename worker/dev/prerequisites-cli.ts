/**
 * @module
 * `npm run prerequisites` — the first thing `npm test` and `.ci/run` do. Installs the missing
 * system packages when it can (root, apt-get); otherwise stops before any test runs and prints
 * the one command to run. `--check` only reports (exit 1 when something is missing).
 */
import { spawnSync } from 'node:child_process';
import { aptInstallCommand, hasApt, missingPrerequisites, nodeVersionProblem, type Prerequisite } from './prerequisites';

const checkOnly = process.argv.includes('--check');
const isRoot = process.getuid?.() === 0;

function list(missing: readonly Prerequisite[]): string {
  return missing.map((p) => `  - ${p.name}: ${p.neededBy}`).join('\n');
}

function stop(lines: string[]): never {
  console.error(['', ...lines, ''].join('\n'));
  process.exit(1);
}

function apt(args: string[]): void {
  const res = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (res.status !== 0) stop([`apt-get ${args.join(' ')} failed (exit ${res.status ?? res.signal}); the tests cannot run without the packages above.`]);
}

const nodeProblem = nodeVersionProblem();
if (nodeProblem) stop([nodeProblem]);

let missing = missingPrerequisites();
const installable = missing.filter((p) => p.apt);
if (installable.length && isRoot && hasApt() && !checkOnly) {
  const pkgs = [...new Set(installable.map((p) => p.apt!))];
  const t0 = Date.now();
  console.log(`prerequisites: installing ${pkgs.join(', ')} with apt-get (about 30 s)…\n${list(installable)}`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', ...pkgs]);
  console.log(`prerequisites: installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  missing = missingPrerequisites();
}

if (missing.length) {
  // One command, even when apt and a manual install are both needed.
  const aptCmd = hasApt() ? aptInstallCommand(missing, isRoot) : null;
  const manual = missing.filter((p) => !p.apt && p.manual).map((p) => (isRoot ? p.manual! : `sudo sh -c '${p.manual!}'`));
  const command = [...(aptCmd ? [aptCmd] : []), ...manual].join(' && ');
  const otherOs = !hasApt() && missing.some((p) => p.apt);
  stop([
    'npm test drives these real programs, which are missing:',
    list(missing),
    '',
    ...(command ? ['Install them with:', '', `  ${command}`, ''] : []),
    ...(otherOs ? [`No apt-get here: install ${missing.filter((p) => p.apt).map((p) => p.apt).join(', ')} (Debian package names) with your package manager.`, ''] : []),
    'then run "npm test" again. No test was run.',
  ]);
}
console.log('prerequisites: Chromium, OpenSSH, sqlite3 and kubectl are installed');
