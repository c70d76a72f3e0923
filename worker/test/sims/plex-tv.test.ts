import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlexTvSim } from './plex-tv';
import type { PlexTvSim } from './plex-tv';

const CLIENT = { 'X-Plex-Product': 'plexops', 'X-Plex-Client-Identifier': 'client-a', Accept: 'application/json' };

let sim: PlexTvSim;
beforeEach(async () => {
  sim = await startPlexTvSim({
    accounts: [
      { id: 1001, username: 'alice', email: 'alice@example.com' },
      { id: 1002, username: 'bob', title: 'Bobby' },
    ],
  });
});
afterEach(async () => {
  await sim.close();
});

async function createPin(headers: Record<string, string> = CLIENT, query = '?strong=true') {
  const res = await fetch(`${sim.url}/api/v2/pins${query}`, { method: 'POST', headers });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe('plex.tv PIN flow', () => {
  it('creates a strong pin with the documented fields', async () => {
    const { res, body } = await createPin();
    expect(res.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(
      ['authToken', 'clientIdentifier', 'code', 'createdAt', 'expiresAt', 'expiresIn', 'id', 'location',
        'newRegistration', 'product', 'qr', 'trusted'].sort(),
    );
    expect(body).toMatchObject({ product: 'plexops', trusted: false, clientIdentifier: 'client-a', authToken: null, newRegistration: null, expiresIn: 1800 });
    expect(body.code).toMatch(/^[a-z0-9]{25}$/);
    expect(typeof body.id).toBe('number');
    expect(body.location).toHaveProperty('continent_code');
    expect(Date.parse(body.expiresAt as string) - Date.parse(body.createdAt as string)).toBe(1_800_000);
  });

  it('creates a 4-character link code without strong=true', async () => {
    const { body } = await createPin(CLIENT, '');
    expect(body.code).toMatch(/^[A-Z0-9]{4}$/);
    expect(body.expiresIn).toBe(900);
  });

  it('polls until authorized, then the token reads the right account', async () => {
    const { body: pin } = await createPin();
    const poll = () => fetch(`${sim.url}/api/v2/pins/${pin.id}`, { headers: CLIENT }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect((await poll()).authToken).toBeNull();
    const token = sim.authorizePin(pin.id as number, 1002);
    const polled = await poll();
    expect(polled.authToken).toBe(token);
    const user = await fetch(`${sim.url}/api/v2/user`, { headers: { ...CLIENT, 'X-Plex-Token': token } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ id: 1002, username: 'bob', title: 'Bobby', email: 'bob@example.com', authToken: token });
  });

  it('authorizes by code too and never shares tokens across accounts', async () => {
    const { body: p1 } = await createPin();
    const { body: p2 } = await createPin();
    const t1 = sim.authorizePin(p1.code as string, 1001);
    const t2 = sim.authorizePin(p2.id as number, 1002);
    const again = sim.issueToken(1001);
    expect(new Set([t1, t2, again]).size).toBe(3);
    const who = async (t: string) =>
      ((await (await fetch(`${sim.url}/api/v2/user`, { headers: { ...CLIENT, 'X-Plex-Token': t } })).json()) as { id: number }).id;
    expect(await who(t1)).toBe(1001);
    expect(await who(t2)).toBe(1002);
    expect(await who(again)).toBe(1001);
  });

  it('accepts X-Plex-* as query parameters', async () => {
    const res = await fetch(`${sim.url}/api/v2/pins?strong=true&X-Plex-Client-Identifier=q-client&X-Plex-Product=q`, {
      method: 'POST',
      headers: { Accept: 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ clientIdentifier: 'q-client', product: 'q' });
  });

  it('logs requests with headers', async () => {
    await createPin();
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/api/v2/pins', query: { strong: 'true' }, status: 201 });
    expect(sim.requests[0]?.headers['x-plex-client-identifier']).toBe('client-a');
  });
});

describe('plex.tv errors', () => {
  it('400 code 1000 without a client identifier', async () => {
    const { res, body } = await createPin({ Accept: 'application/json' });
    expect(res.status).toBe(400);
    expect(body).toEqual({ errors: [{ code: 1000, message: 'X-Plex-Client-Identifier is missing', status: 400 }] });
  });

  it('404 code 1020 for unknown, malformed, foreign and expired pins', async () => {
    const expected = { errors: [{ code: 1020, message: 'Code not found or expired' }] };
    const { body: pin } = await createPin();
    for (const [id, headers] of [
      ['999', CLIENT],
      ['abc', CLIENT],
      ['1e3', CLIENT],
      [String(pin.id), { ...CLIENT, 'X-Plex-Client-Identifier': 'someone-else' }],
    ] as const) {
      const res = await fetch(`${sim.url}/api/v2/pins/${id}`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual(expected);
    }
    sim.expirePin(pin.id as number);
    const res = await fetch(`${sim.url}/api/v2/pins/${pin.id}`, { headers: CLIENT });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(expected);
    expect(() => sim.authorizePin(pin.id as number, 1001)).toThrow(/expired/);
  });

  it('expires pins by TTL', async () => {
    await sim.close();
    sim = await startPlexTvSim({ accounts: [{ id: 1, username: 'x' }], pinTtlSeconds: 0 });
    const { body: pin } = await createPin();
    const res = await fetch(`${sim.url}/api/v2/pins/${pin.id}`, { headers: CLIENT });
    expect(res.status).toBe(404);
  });

  it('401 code 1001 for missing, unknown and revoked tokens', async () => {
    const token = sim.issueToken(1001);
    sim.revokeToken(token);
    for (const headers of [CLIENT, { ...CLIENT, 'X-Plex-Token': 'nope' }, { ...CLIENT, 'X-Plex-Token': token }]) {
      const res = await fetch(`${sim.url}/api/v2/user`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ errors: [{ code: 1001, message: 'User could not be authenticated', status: 401 }] });
    }
  });

  it('404 for unknown endpoints and 405 for wrong methods', async () => {
    const notFound = await fetch(`${sim.url}/api/v2/nothing`, { headers: CLIENT });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ errors: [{ code: 1002 }] });
    const wrong = await fetch(`${sim.url}/api/v2/pins`, { method: 'DELETE', headers: CLIENT });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toMatchObject({ errors: [{ code: 1005 }] });
  });

  it('answers XML when JSON is not asked for', async () => {
    const res = await fetch(`${sim.url}/api/v2/pins?strong=true`, { method: 'POST', headers: { 'X-Plex-Client-Identifier': 'x' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('xml');
    const text = await res.text();
    expect(text).toMatch(/<pin id="\d+" code="[a-z0-9]{25}"/);
    expect(text).toContain('trusted="0"');
    const err = await fetch(`${sim.url}/api/v2/user`, { headers: { 'X-Plex-Client-Identifier': 'x' } });
    expect(await err.text()).toContain('<error code="1001" message="User could not be authenticated" status="401"/>');
  });

  it('injects failures for retry tests', async () => {
    sim.failNext(2, 429);
    expect((await createPin()).res.status).toBe(429);
    const second = await createPin();
    expect(second.res.status).toBe(429);
    expect(second.body).toMatchObject({ errors: [{ code: 1003 }] });
    expect((await createPin()).res.status).toBe(201);
    sim.failNext(1, 503);
    expect((await createPin()).res.status).toBe(503);
  });

  it('survives an oversized body and hostile paths', async () => {
    const big = await fetch(`${sim.url}/api/v2/pins`, { method: 'POST', headers: CLIENT, body: 'x'.repeat(200_000) }).catch(() => null);
    expect(big === null || big.status === 201).toBe(true);
    const odd = await fetch(`${sim.url}/api/v2/pins/%00%2F..`, { headers: CLIENT });
    expect(odd.status).toBe(404);
    expect((await createPin()).res.status).toBe(201);
  });
});
