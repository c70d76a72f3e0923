import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentApiError, AgentClient, FatalAgentError, LeaseLostError, TransientError } from '../../src/client';

// A real HTTP server answering with canned statuses: the client's classification is what is tested.
let server: Server;
let url: string;
const seen: Array<{ path: string; headers: Record<string, unknown> }> = [];
const reply: Record<string, [number, unknown]> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const [status, body] = reply[req.url ?? ''] ?? [404, {}];
    if (status === 0) return; // hang
    res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const err = (code: string, message = 'm') => ({ error: { code, message, requestId: 'r' } });

describe('agent API client', () => {
  it('sends the protocol header and bearer token, and validates responses', async () => {
    reply['/agent/v1/wait'] = [200, { job: null, pollAfterMs: 1000 }];
    const c = new AgentClient({ server: `${url}/`, token: 'tok-abc' });
    expect(await c.wait(0)).toEqual({ job: null, pollAfterMs: 1000 });
    expect(seen.at(-1)?.headers).toMatchObject({ 'x-plexops-protocol': '1', authorization: 'Bearer tok-abc' });
    reply['/agent/v1/wait'] = [200, { job: 'nope' }];
    await expect(c.wait(0)).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it.each([
    [401, err('UNAUTHORIZED'), FatalAgentError, /revoked or unknown/],
    [426, err('UNSUPPORTED_PROTOCOL_VERSION'), FatalAgentError, /upgrade the agent/],
    [409, err('LEASE_LOST'), LeaseLostError, /m/],
    [503, err('DB_UNAVAILABLE'), TransientError, /m/],
    [502, '<html>bad gateway</html>', TransientError, /HTTP 502/],
    [409, err('CONFLICT'), AgentApiError, /m/],
    [400, err('BAD_REQUEST'), AgentApiError, /m/],
  ])('classifies HTTP %i', async (status, body, type, msg) => {
    reply['/agent/v1/jobs/j1/heartbeat'] = [status, body];
    const c = new AgentClient({ server: url, token: 't' });
    const e = await c.heartbeat('j1', { leaseToken: 'l' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(type);
    expect((e as Error).message).toMatch(msg);
    if (type === AgentApiError) expect(e).not.toBeInstanceOf(TransientError);
  });

  it('treats connection failures and timeouts as transient, and honours the caller abort', async () => {
    const down = new AgentClient({ server: 'http://127.0.0.1:1', token: 't' });
    await expect(down.wait(0)).rejects.toBeInstanceOf(TransientError);
    reply['/agent/v1/jobs/j2/heartbeat'] = [0, null];
    const slow = new AgentClient({ server: url, token: 't', timeoutMs: 200 });
    await expect(slow.heartbeat('j2', { leaseToken: 'l' })).rejects.toThrow(/timed out/);
    const ctl = new AbortController();
    const p = new AgentClient({ server: url, token: 't' }).heartbeat('j2', { leaseToken: 'l', waitMs: 20_000 }, ctl.signal);
    setTimeout(() => ctl.abort(), 50);
    await expect(p).rejects.not.toBeInstanceOf(TransientError);
  });
});

describe('agent API client and redirects', () => {
  it('never follows a redirect (the token would go with it), whatever the target', async () => {
    const hits: string[] = [];
    const other = createServer((req, res) => {
      hits.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"job":null,"pollAfterMs":1}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/agent/v1/wait`;
    try {
      for (const location of [elsewhere, '/agent/v1/elsewhere']) {
        const redirecting = createServer((_req, res) => res.writeHead(307, { location }).end());
        await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
        const c = new AgentClient({ server: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`, token: 'tok-secret-123456' });
        const e = (await c.wait(0).catch((x: unknown) => x)) as AgentApiError;
        redirecting.close();
        expect(e).toBeInstanceOf(AgentApiError);
        expect(e).not.toBeInstanceOf(TransientError);
        expect(e.message).toContain(`redirect to ${location}`);
      }
      expect(hits).toEqual([]);
    } finally {
      other.close();
    }
  });
});
