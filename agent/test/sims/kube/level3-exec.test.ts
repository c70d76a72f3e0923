/**
 * @module kube-sim/level3-exec.test
 * Level 3: exec over WebSocket (real kubectl and a raw v5.channel.k8s.io client), pod/PVC filesystems,
 * a byte-exact 50 MB tar transfer, and logs.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from './index.js';
import { kubectlRunner, type KubectlRunner } from './kubectl-runner.js';

const podWithClaim = (name: string) => ({
  metadata: { name, namespace: 'media' },
  spec: {
    containers: [{ name: 'main', image: 'alpine:3.22', env: [{ name: 'DATA_DIR', value: '/data' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }],
  },
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('kube-sim exec, filesystems and logs', () => {
  let sim: KubeSim;
  let k: KubectlRunner;
  const scratch = mkdtempSync(join(tmpdir(), 'kube-sim-exec-'));
  beforeAll(async () => {
    sim = await startKubeSim({ namespaces: ['media'], podReadyDelayMs: 20 });
    k = kubectlRunner(sim);
    sim.store.persistentvolumeclaims.create({ metadata: { name: 'shared', namespace: 'media' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } });
    sim.store.pods.create(podWithClaim('a'));
    sim.store.pods.create(podWithClaim('b'));
    await waitFor(() => ['a', 'b'].every((n) => sim.store.pods.get('media', n)?.status?.phase === 'Running'), 'pods running');
  });
  afterAll(async () => {
    k.killAll();
    await sim.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('streams stdout and stderr and propagates exit codes', async () => {
    const r = await k.run(['-n', 'media', 'exec', 'a', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(await k.run(['-n', 'media', 'exec', 'a', '--', 'true'])).toMatchObject({ code: 0, stdout: '' });
    const missing = await k.run(['-n', 'media', 'exec', 'a', '--', 'no-such-binary']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('executable file not found in $PATH');
  });

  it('passes stdin through until EOF and shares a PVC between pods', async () => {
    const w = await k.run(['-n', 'media', 'exec', '-i', 'a', '--', 'sh', '-c', 'cat > /data/note.txt'], { stdin: 'from pod a\n' });
    expect(w.code).toBe(0);
    expect((await k.run(['-n', 'media', 'exec', 'b', '--', 'cat', '/data/note.txt'])).stdout).toBe('from pod a\n');
    expect(readFileSync(join(sim.fs.pvcDir('media', 'shared'), 'note.txt'), 'utf8')).toBe('from pod a\n');
    expect((await k.run(['-n', 'media', 'exec', 'b', '--', 'sh', '-c', 'cat "$DATA_DIR/note.txt"'])).stdout).toBe('from pod a\n');
  });

  it('keeps /tmp private per pod', async () => {
    await k.run(['-n', 'media', 'exec', 'a', '--', 'sh', '-c', 'echo a > /tmp/x']);
    expect((await k.run(['-n', 'media', 'exec', 'b', '--', 'sh', '-c', 'cat /tmp/x 2>/dev/null || echo none'])).stdout).toBe('none\n');
  });

  it('moves a 50 MB file byte-exact with tar | kubectl exec -i ... tar xf -', async () => {
    const file = join(scratch, 'library.db');
    const data = randomBytes(50 * 1024 * 1024);
    writeFileSync(file, data);
    const tar = spawn('tar', ['cf', '-', '-C', scratch, 'library.db'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const kc = k.spawn(['-n', 'media', 'exec', '-i', 'a', '--', 'tar', 'xf', '-', '-C', '/data']);
    tar.stdout.pipe(kc.stdin!);
    const stderr: Buffer[] = [];
    kc.stderr!.on('data', (c: Buffer) => stderr.push(c));
    kc.stdout!.resume();
    const code = await new Promise<number | null>((resolve) => kc.on('close', resolve));
    expect(code, Buffer.concat(stderr).toString()).toBe(0);
    const want = createHash('sha256').update(data).digest('hex');
    expect(createHash('sha256').update(readFileSync(join(sim.fs.pvcDir('media', 'shared'), 'library.db'))).digest('hex')).toBe(want);
    const sum = await k.run(['-n', 'media', 'exec', 'b', '--', 'sha256sum', '/data/library.db']);
    expect(sum.stdout.split(' ')[0]).toBe(want);
  }, 60_000);

  it('speaks v5.channel.k8s.io to raw WebSocket clients (stdin close, status on channel 3)', async () => {
    const url = `${sim.url.replace(/^http/, 'ws')}/api/v1/namespaces/media/pods/a/exec?command=sh&command=-c&command=${encodeURIComponent('cat; exit 4')}&container=main&stdin=true&stdout=true&stderr=true`;
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], { headers: { authorization: `Bearer ${sim.token}` } });
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    expect(ws.protocol).toBe('v5.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
    ws.send(Buffer.from([255, 0]));
    const closeCode = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(closeCode).toBe(1000);
    const stdout = Buffer.concat(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString();
    expect(stdout).toBe('ping');
    const status = JSON.parse(frames.find((f) => f[0] === 3)!.subarray(1).toString());
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '4' }] } });
  });

  it('refuses exec on missing pods and unknown containers with Status errors', async () => {
    const missing = await k.run(['-n', 'media', 'exec', 'ghost', '--', 'true']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pods "ghost" not found');
    const bad = await k.run(['-n', 'media', 'exec', 'a', '-c', 'nope', '--', 'true']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('container nope is not valid for pod a');
  });

  it('serves configured log lines, tail and follow', async () => {
    sim.logs.set('media', 'a', 'main', ['one', 'two', 'three']);
    expect((await k.run(['-n', 'media', 'logs', 'a', '--tail=2'])).stdout).toBe('two\nthree\n');
    const follow = k.spawn(['-n', 'media', 'logs', '-f', 'a']);
    let out = '';
    follow.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor(() => out.includes('three'), 'initial lines');
    sim.logs.append('media', 'a', 'main', 'four');
    await waitFor(() => out.includes('four\n'), 'followed line');
    sim.store.pods.delete('media', 'a', { gracePeriodSeconds: 0 });
    const code = await new Promise<number | null>((resolve) => follow.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe('one\ntwo\nthree\nfour\n');
  });
});
