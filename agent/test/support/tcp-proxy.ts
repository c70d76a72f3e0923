/**
 * @module
 * A loopback TCP proxy that can take the worker "offline": `down()` drops every connection and
 * refuses new ones (reset), `up()` restores forwarding. The agent talks to the worker through it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  url: string;
  down(): void;
  up(): void;
  /** Connections refused while down. */
  refused: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let online = true;
  const sockets = new Set<Socket>();
  const state = { refused: 0 };
  const server: Server = createServer((client) => {
    if (!online) {
      state.refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    down() {
      online = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    up() {
      online = true;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
