import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { LocalPostgresError, startLocalPostgres } from './postgres';
import { freePort } from './ports';
import { startWsProxy } from './ws-proxy';

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plexops-pgtest-'));
  chmodSync(dir, 0o755);
  return dir;
}

describe('startLocalPostgres explains the failures people hit', () => {
  it('a busy port', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const dir = tempDir();
    try {
      const err = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalPostgresError);
      expect(String((err as Error).message)).toMatch(new RegExp(`Port ${port} is already in use.*PLEXOPS_PG_PORT`));
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a data directory locked by a live process (another run)', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'pg');
    mkdirSync(data);
    writeFileSync(path.join(data, 'postmaster.pid'), `${process.pid}\n${data}\n`);
    try {
      const err = await startLocalPostgres({ dataDir: data, port: await freePort() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalPostgresError);
      expect(String((err as Error).message)).toMatch(new RegExp(`already running .*pid ${process.pid}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stale postmaster.pid from a crash is noted and start-up proceeds', async () => {
    const dir = tempDir();
    const data = path.join(dir, 'pg');
    const logs: string[] = [];
    const port = await freePort();
    const first = await startLocalPostgres({ dataDir: data, port, ephemeral: true });
    await first.stop();
    writeFileSync(path.join(data, 'postmaster.pid'), `999999\n${data}\n`); // a pid that is not running
    const second = await startLocalPostgres({ dataDir: data, port, ephemeral: true, onLog: (l) => logs.push(l) });
    try {
      expect(logs.join('')).toMatch(/stale lock/);
    } finally {
      await second.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the WebSocket→TCP proxy', () => {
  it('refuses addresses that are not on its allow-list', async () => {
    const proxy = await startWsProxy({ allow: ['127.0.0.1:5'] });
    try {
      const ws = new WebSocket(`ws://${proxy.address}/v2?address=10.0.0.1:5432`);
      const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      expect(code).toBe(1008);
    } finally {
      await proxy.close();
    }
  });
});
