/** @module Process checks shared by the agent's tests. */
import { readFileSync } from 'node:fs';

/**
 * Whether `pid` is still running. A zombie has exited and only waits to be reaped — by whatever
 * adopted it once its parent was killed, which may be a PID 1 that reaps late — so it counts as dead.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
