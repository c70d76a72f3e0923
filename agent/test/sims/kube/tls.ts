/**
 * @module kube-sim/tls
 * A throwaway self-signed serving certificate for 127.0.0.1 (made once per process with the openssl CLI),
 * so kubectl can reach the simulator over HTTPS — the only transport over which client-go sends bearer tokens.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
let cached: Promise<{ key: string; cert: string }> | undefined;

async function generate(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-sim-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=kube-sim',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE'], { timeout: 20_000 });
    return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function servingCert(): Promise<{ key: string; cert: string }> {
  cached ??= generate();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
