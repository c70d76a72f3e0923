/**
 * @module
 * Runs the REAL bundled CLI (`agent/build.ts` output) as a child process, as users run it.
 * The bundle is built once per test process into a temp dir; every run is bounded by a timeout
 * and killed (whole process group) if it overstays; `killAll()` cleans up on teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent } from '../../build';

let built: Promise<string> | undefined;
export function agentBundle(): Promise<string> {
  built ??= mkdtemp(join(tmpdir(), 'agent-bin-')).then((d) => buildAgent(join(d, 'plexops-agent.mjs')));
  return built;
}

export interface AgentProc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** A bundle that speaks another protocol version (426 tests). */
export async function agentBundleWithProtocol(version: number): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'agent-bin-'));
  return buildAgent(join(d, 'plexops-agent.mjs'), { protocolVersion: version });
}

export async function startAgent(args: string[], env: Record<string, string>, timeoutMs = 60_000, binPath?: string): Promise<AgentProc> {
  const bin = binPath ?? (await agentBundle());
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const timer = setTimeout(() => killTree(child, 'SIGKILL'), timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function runAgent(args: string[], env: Record<string, string>, timeoutMs = 60_000, binPath?: string) {
  const p = await startAgent(args, env, timeoutMs, binPath);
  const { code, signal } = await p.exited;
  return { code, signal, stdout: p.stdout(), stderr: p.stderr() };
}

export function killTree(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* gone */
    }
  }
}

export function killAll(): void {
  for (const c of live) killTree(c, 'SIGKILL');
}
