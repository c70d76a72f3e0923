/**
 * @module
 * Process groups for the local stack's children. `wrangler dev` is a launcher that starts
 * wrangler, which starts two workerd processes and esbuild: signalling only the launcher
 * orphans the rest, still serving. Started with `detached` (a new session and process group),
 * the whole tree shares one group id, so one signal to the group reaches every process in it —
 * including those already orphaned — and a terminal's Ctrl-C reaches only `npm start`, which
 * then stops its children in order.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface GroupMember {
  pid: number;
  /** The executable's short name (`workerd`, `node`, `esbuild`). */
  comm: string;
  /** The full command line, arguments joined by spaces. */
  args: string;
}

const HAS_PROC = existsSync('/proc/self/stat');

function readProc(pid: number): { pgid: number; state: string; comm: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp …" — comm may hold spaces and parentheses: split after the last ")".
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    return { pgid: Number(pgrp), state: state ?? '', comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return null; // exited while we looked
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Live processes in the group (zombies excluded: a dead orphan waits for PID 1 to reap it,
 * which a container's init may do late). Linux reads /proc; elsewhere `ps`.
 */
export function groupMembers(pgid: number): GroupMember[] {
  if (HAS_PROC) {
    const out: GroupMember[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      const p = readProc(pid);
      if (!p || p.pgid !== pgid || p.state === 'Z') continue;
      out.push({ pid, comm: p.comm, args: cmdline(pid) });
    }
    return out;
  }
  const ps = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,comm=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => !!m && Number(m[2]) === pgid && !m[3]!.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), comm: m[4]!.split('/').pop()!, args: m[5] ?? '' }));
}

/** Sends `signal` to every process in the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitEmpty(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/**
 * Stops every process in the group: SIGTERM, then SIGKILL for whatever is left after
 * `graceMs`. Resolves once no live process remains (or throws if even SIGKILL did not help,
 * which only an uninterruptible process can cause).
 */
export async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitEmpty(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  if (await waitEmpty(pgid, 5000)) return;
  const left = groupMembers(pgid).map((m) => `${m.comm} (pid ${m.pid})`);
  throw new Error(`could not stop ${left.join(', ')}`);
}
