/**
 * @module
 * Children outlive a `kill -9`'d daemon (they run in their own process groups). The session
 * records each child's pid with its /proc start time; a restarted daemon kills those groups
 * before resuming — but only if the pid still names the same process (start time matches), so a
 * reused pid is never signalled. Linux /proc only; elsewhere this is a no-op.
 */
import { readFileSync } from 'node:fs';

export interface ChildRecord {
  pid: number;
  start: string;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parens: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

export function recordChild(pid: number): ChildRecord | undefined {
  const start = processStartTime(pid);
  return start ? { pid, start } : undefined;
}

/** SIGKILLs the process groups of recorded children that are still the same processes. */
export function killOrphans(children: readonly ChildRecord[]): number[] {
  const killed: number[] = [];
  for (const c of children) {
    if (processStartTime(c.pid) !== c.start) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
      killed.push(c.pid);
    } catch {
      /* already gone */
    }
  }
  return killed;
}
