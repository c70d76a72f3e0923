/**
 * @module
 * What the tests drive for real but npm cannot install: Chromium (the admin's browser tests),
 * OpenSSH (a throwaway sshd on loopback for the agent's ssh steps), the real kubectl (against
 * the Kubernetes simulator), sqlite3 and Python 3. One list, used by `npm test` and `.ci/run` (through
 * prerequisites-cli.ts) and by the test helpers that need one of them, so a missing tool
 * always fails with the same one command to run — never as a silently skipped suite.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

export interface Prerequisite {
  id: 'chromium' | 'sshd' | 'ssh' | 'sqlite3' | 'python3' | 'kubectl';
  /** What it is, for people. */
  name: string;
  /** Which tests need it. */
  neededBy: string;
  present(): boolean;
  /** The Debian package that provides it, when there is one. */
  apt?: string;
  /** The command to run when no Debian package provides it. */
  manual?: string;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SSHD_PATH = '/usr/sbin/sshd';
export const KUBECTL_PATH = '/usr/bin/kubectl';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(cmd: string, pathEnv = process.env.PATH ?? ''): boolean {
  return pathEnv.split(path.delimiter).some((dir) => dir && executable(path.join(dir, cmd)));
}

const kubectlArch = process.arch === 'arm64' ? 'arm64' : 'amd64';

export const PREREQUISITES: readonly Prerequisite[] = [
  { id: 'chromium', name: 'Chromium', neededBy: "the admin's browser tests (admin/test)", present: () => executable(CHROMIUM_PATH), apt: 'chromium' },
  { id: 'sshd', name: 'the OpenSSH server (sshd)', neededBy: "the agent's ssh tests (a throwaway sshd on 127.0.0.1)", present: () => executable(SSHD_PATH), apt: 'openssh-server' },
  { id: 'ssh', name: 'the OpenSSH client (ssh, ssh-keygen)', neededBy: "the agent's ssh steps and test keys", present: () => onPath('ssh') && onPath('ssh-keygen'), apt: 'openssh-client' },
  { id: 'sqlite3', name: 'sqlite3', neededBy: 'checks of SQLite databases (backups)', present: () => onPath('sqlite3'), apt: 'sqlite3' },
  { id: 'python3', name: 'Python 3', neededBy: "the Plex test host's stand-ins (Plex SQLite, systemctl)", present: () => onPath('python3'), apt: 'python3' },
  {
    id: 'kubectl',
    name: 'kubectl',
    neededBy: "the agent's kubectl steps, run against the Kubernetes simulator",
    present: () => executable(KUBECTL_PATH),
    // Debian 12 has no current kubectl package (kubernetes-client is 1.20).
    manual: `curl -fsSLo ${KUBECTL_PATH} https://dl.k8s.io/release/v1.32.0/bin/linux/${kubectlArch}/kubectl && chmod 0755 ${KUBECTL_PATH}`,
  },
];

export function missingPrerequisites(list: readonly Prerequisite[] = PREREQUISITES): Prerequisite[] {
  return list.filter((p) => !p.present());
}

/** The one command that installs the missing apt packages (with sudo when not root). */
export function aptInstallCommand(missing: readonly Prerequisite[], isRoot: boolean): string | null {
  const pkgs = [...new Set(missing.flatMap((p) => (p.apt ? [p.apt] : [])))];
  if (!pkgs.length) return null;
  return `${isRoot ? '' : 'sudo '}apt-get install -y ${pkgs.join(' ')}`;
}

/** The sentence a test helper throws when its tool is missing. */
export function missingMessage(p: Prerequisite): string {
  const how = p.apt ? `apt-get install -y ${p.apt}` : p.manual;
  return `${p.name} is not installed; ${p.neededBy} need it. "npm test" installs it (as root with apt) or says how; by hand: ${how}`;
}

export function prerequisitePresent(id: Prerequisite['id']): boolean {
  return PREREQUISITES.find((x) => x.id === id)!.present();
}

/** For test helpers: throws a clear error (the suite fails and says why) when `id` is missing. */
export function requirePrerequisite(id: Prerequisite['id']): void {
  const p = PREREQUISITES.find((x) => x.id === id)!;
  if (!p.present()) throw new Error(missingMessage(p));
}

/** Node itself: package.json's engines, checked before anything else runs. */
export function nodeVersionProblem(version = process.versions.node): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
  return ok ? null : `Node ${version} is too old or unsupported: plexops needs Node 20.19+ or 22.12+ (package.json "engines").`;
}

export const hasApt = () => existsSync('/usr/bin/apt-get');
