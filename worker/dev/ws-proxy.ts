/**
 * @module
 * A WebSocket→TCP proxy in the shape of Neon's: `ws://host:port/v2?address=<pg-host>:<pg-port>`.
 * With it, `@neondatabase/serverless` reaches a plain local PostgreSQL from Node and from
 * inside workerd, so local runs and tests use the exact production driver path.
 * Only the allow-listed Postgres addresses can be reached: this is not an open relay.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WsProxy {
  port: number;
  /** Value for neonConfig.wsProxy / the DB_WS_PROXY binding (host:port, no scheme). */
  address: string;
  close(): Promise<void>;
}

export async function startWsProxy(opts: { allow: string[]; port?: number; host?: string }): Promise<WsProxy> {
  const allowed = new Set(opts.allow);
  const host = opts.host ?? '127.0.0.1';
  const wss = new WebSocketServer({ host, port: opts.port ?? 0, perMessageDeflate: false });

  wss.on('connection', (ws: WebSocket, req) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const target = url.searchParams.get('address') ?? '';
    if (!allowed.has(target)) {
      ws.close(1008, 'address not allowed');
      return;
    }
    const [tHost, tPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const sock = net.connect({ host: tHost, port: tPort });
    sock.setNoDelay(true);
    const pending: Buffer[] = [];
    let connected = false;
    sock.on('connect', () => {
      connected = true;
      for (const b of pending) sock.write(b);
      pending.length = 0;
    });
    ws.on('message', (data: Buffer) => (connected ? sock.write(data) : pending.push(data)));
    sock.on('data', (data) => ws.send(data));
    const end = () => {
      sock.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    sock.on('close', end);
    sock.on('error', end);
    ws.on('close', end);
    ws.on('error', end);
  });

  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    port,
    address: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
