/**
 * @module kube-sim/kubectl-runner
 * Test helper: runs the REAL /usr/bin/kubectl against a simulator with its kubeconfig, a per-run
 * KUBECACHEDIR, a hard timeout, and kills every child it started on teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeSim } from './index.js';
import { KUBECTL_PATH, requirePrerequisite } from '../../../../worker/dev/prerequisites';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlRunner {
  run(args: string[], opts?: { stdin?: string | Buffer; timeoutMs?: number }): Promise<KubectlResult>;
  /** Spawns without waiting (for piping); the child is killed on killAll(). */
  spawn(args: string[]): ChildProcess;
  killAll(): void;
}

export function kubectlRunner(sim: KubeSim, kubectl = KUBECTL_PATH): KubectlRunner {
  if (kubectl === KUBECTL_PATH) requirePrerequisite('kubectl'); // fails saying how to install it
  const children = new Set<ChildProcess>();
  const cacheDir = mkdtempSync(join(tmpdir(), 'kube-sim-cache-'));
  const env = { ...process.env, ...sim.env, KUBECACHEDIR: cacheDir, HOME: cacheDir };
  const start = (args: string[]) => {
    const child = spawn(kubectl, ['--kubeconfig', sim.kubeconfigPath, ...args], { env, stdio: 'pipe' });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };
  return {
    spawn: start,
    run(args, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = start(args);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout!.on('data', (c: Buffer) => out.push(c));
        child.stderr!.on('data', (c: Buffer) => err.push(c));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`kubectl ${args.join(' ')} timed out; stderr: ${Buffer.concat(err).toString()}`));
        }, opts.timeoutMs ?? 20_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
        });
        if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
        else child.stdin!.end();
      });
    },
    killAll() {
      for (const c of children) c.kill('SIGKILL');
      children.clear();
    },
  };
}
