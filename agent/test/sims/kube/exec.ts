/**
 * @module kube-sim/exec
 * pods/exec over WebSocket, as the apiserver proxies it from the kubelet: subprotocols v5.channel.k8s.io
 * (with stdin close via [255, 0]) and v4.channel.k8s.io; binary frames prefixed with the channel byte
 * (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize); exit reported on channel 3 as a Success or
 * NonZeroExitCode Status, then a normal close. Commands run inside the container's sandbox (runtime.ts: its own
 * root filesystem, volumes at their mount paths, the pod's network), with the container's env, user and
 * working directory, in their own process group that is killed when the client goes away.
 * Backpressure both ways: the socket is paused while the child's stdin is full, and the child's stdout/stderr
 * are paused while the socket's send buffer is large.
 */
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Registry } from './registry.js';
import type { ResourceRoute } from './router.js';
import type { Pod } from './types.js';
import { errors } from './status.js';
import type { PodRuntime, RunningContainer } from './runtime.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const HIGH_WATER = 4 * 1024 * 1024;

export class ExecServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly registry: Registry, private readonly runtime: PodRuntime) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: ResourceRoute): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    const pod = this.registry.get(route.def, route.namespace, route.name!) as Pod;
    const containers = pod.spec.containers.map((c) => c.name);
    const container = q.get('container') ?? containers[0] ?? '';
    if (!containers.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    const running = pod.metadata.deletionTimestamp ? undefined : this.runtime.container(pod, container);
    if (pod.status?.phase !== 'Running' || !running) {
      throw errors.badRequest(`unable to upgrade connection: container not found ("${container}")`);
    }
    const command = q.getAll('command');
    if (command.length === 0) throw errors.badRequest('you must specify at least 1 command');
    // Validate before refusing SPDY: kubectl reports the fallback's error, which must name the real problem.
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw errors.badRequest('unable to upgrade connection: SPDY is not supported by this server; use WebSockets (v5.channel.k8s.io)');
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!PROTOCOLS.some((p) => offered.includes(p))) {
      throw errors.badRequest(`unable to upgrade connection: no supported subprotocol offered (supported: ${PROTOCOLS.join(', ')})`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, running, command, {
      stdin: q.get('stdin') === 'true',
      stdout: q.get('stdout') !== 'false',
      stderr: q.get('stderr') !== 'false',
    }));
  }

  private run(ws: WebSocket, rc: RunningContainer, command: string[], io: { stdin: boolean; stdout: boolean; stderr: boolean }): void {
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    const frame = (channel: number, data?: Buffer) => Buffer.concat([Buffer.from([channel]), data ?? Buffer.alloc(0)]);
    const finish = (status: object) => {
      if (ws.readyState === ws.OPEN) {
        ws.send(frame(3, Buffer.from(JSON.stringify(status))));
        ws.close(1000);
      }
    };
    ws.send(frame(1));

    const child = this.runtime.spawnIn(rc, command, [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe']);
    // The wrapper writes to fd 3 when the command does not exist: the OCI runtime's error, not an exit code.
    let missing = false;
    child.stdio[3]?.on('data', () => (missing = true));
    this.children.add(child);
    const killGroup = () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    };

    const pump = (stream: NodeJS.ReadableStream & { pause(): void; resume(): void }, channel: number, enabled: boolean) => {
      stream.on('data', (chunk: Buffer) => {
        if (!enabled || ws.readyState !== ws.OPEN) return;
        ws.send(frame(channel, chunk), () => {
          if (ws.bufferedAmount < HIGH_WATER) stream.resume();
        });
        if (ws.bufferedAmount >= HIGH_WATER) stream.pause();
      });
    };
    pump(child.stdout!, 1, io.stdout);
    pump(child.stderr!, 2, io.stderr);

    const stdin = child.stdin;
    stdin?.on('error', () => {
      // The command exited without reading all input (EPIPE): the exit status tells the story.
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data);
      if (buf.length === 0) return;
      const channel = buf[0];
      if (channel === 0 && stdin && !stdin.writableEnded) {
        if (!stdin.write(buf.subarray(1))) {
          ws.pause();
          stdin.once('drain', () => ws.resume());
        }
      } else if (channel === 255 && v5 && buf[1] === 0) {
        stdin?.end();
      }
    });
    ws.on('close', () => {
      if (!v5) stdin?.end();
      killGroup();
    });
    ws.on('error', () => killGroup());

    child.on('error', (err) => {
      this.children.delete(child);
      finish({ metadata: {}, status: 'Failure', message: `Internal error occurred: ${err.message}`, reason: 'InternalError', code: 500 });
    });
    child.on('close', (code, signal) => {
      this.children.delete(child);
      if (missing) {
        const message = `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`;
        finish({ metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 });
        return;
      }
      const exit = code ?? (signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGPIPE: 13 } as Record<string, number>)[signal] ?? 1) : 1);
      if (exit === 0) {
        finish({ metadata: {}, status: 'Success' });
        return;
      }
      finish({
        metadata: {},
        status: 'Failure',
        message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exit}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
      });
    });
  }

  close(): void {
    for (const c of this.children) {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.children.clear();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

