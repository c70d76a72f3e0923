/**
 * @module
 * Recovery from a crashed `npm start` (kill -9, an out-of-memory kill): its PostgreSQL and
 * wrangler/workerd outlive it and hold the data directory and ports. A clean stop removes the
 * state file, so finding one means the last run really crashed. The file names the pids;
 * each is stopped only if its command line proves it is ours — wrangler as its whole process
 * group, since its launcher may be gone while wrangler and workerd still serve.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { groupMembers, stopGroup } from './process-group';
import { STACK_STATE_FILE, type StackState } from './stack-paths';

function cmdline(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(pid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Returns a description of what was cleaned up, or null when the last run ended cleanly. */
export async function cleanUpCrashedRun(marker: string): Promise<string | null> {
  if (!existsSync(STACK_STATE_FILE)) return null;
  let state: StackState;
  try {
    state = JSON.parse(readFileSync(STACK_STATE_FILE, 'utf8')) as StackState;
  } catch {
    rmSync(STACK_STATE_FILE, { force: true });
    return null;
  }
  if (alive(state.pid) && cmdline(state.pid)?.includes('worker/dev/start')) return null; // still running: caller explains
  const stopped: string[] = [];
  const wrangler = state.wranglerPid ? groupMembers(state.wranglerPid) : [];
  if (wrangler.length && wrangler.every((m) => m.args.includes(marker))) {
    await stopGroup(state.wranglerPid!);
    const workerd = wrangler.filter((m) => m.comm === 'workerd').map((m) => m.pid);
    stopped.push(`wrangler (group ${state.wranglerPid}, ${wrangler.length} processes${workerd.length ? `, workerd ${workerd.join(', ')}` : ''})`);
  }
  const pg = state.postgresPid;
  if (pg && alive(pg) && cmdline(pg)?.includes(marker)) {
    await stop(pg, 'SIGINT'); // SIGINT = Postgres "fast" shutdown
    stopped.push(`PostgreSQL (pid ${pg})`);
  }
  rmSync(STACK_STATE_FILE, { force: true });
  return `the previous run (pid ${state.pid}) did not shut down cleanly${stopped.length ? `; stopped its leftover ${stopped.join(' and ')}` : ''}`;
}
