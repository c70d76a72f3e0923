import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_NAMES, fixture, plexMultipart, variant } from '../../fixtures/plex';
import { createHarness, eventRow, rows, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { rateLimitPerMinute: 10_000 });
});
afterAll(() => h?.dispose());

const post = (body: BodyInit | null, headers: Record<string, string>) => h.client.request(h.hookPath, { method: 'POST', body, headers });

describe('POST /webhooks/plex/:secret — what Plex sends', () => {
  it.each(FIXTURE_NAMES)('accepts fixture %s and stores it before answering', async (name) => {
    const res = await h.deliver(fixture(name));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; id: string };
    expect(['accepted', 'ignored', 'duplicate']).toContain(body.status);
    expect(body.id).toMatch(/^whe_/);
    const row = await eventRow(h.db, body.id);
    expect(row.event).toBe(fixture(name).event);
    expect(row.payload).toEqual(fixture(name));
  });

  it('drops the JPEG thumb and keeps only non-secret headers', async () => {
    const p = variant(fixture('episode-legacy.play'), { ratingKey: 'thumb-test' });
    const d = plexMultipart(p, { thumb: true });
    const res = await post(d.body, { ...d.headers, 'x-plex-token': 'should-never-be-stored', 'cf-connecting-ip': '203.0.113.9' });
    const { id } = (await res.json()) as { id: string };
    const row = await eventRow(h.db, id);
    expect(JSON.stringify(row.payload)).not.toContain('image');
    expect(row.headers).toMatchObject({ 'user-agent': expect.stringMatching(/^PlexMediaServer\//), 'content-type': expect.stringMatching(/^multipart\/form-data; boundary=/) });
    expect(JSON.stringify(row.headers)).not.toContain('should-never-be-stored');
    expect(row.source_ip).toBe('203.0.113.9');
  });

  it('accepts a JSON body (Tautulli-style senders)', async () => {
    const res = await post(JSON.stringify(variant(fixture('device.new'), {}, { Player: { uuid: 'json-body' } })), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored' });
  });

  it('answers ignored for events it does not track, and says why in the log', async () => {
    const res = await h.deliver(fixture('admin.database-backup'));
    const { id, status } = (await res.json()) as { id: string; status: string };
    expect(status).toBe('ignored');
    expect((await eventRow(h.db, id)).action).toMatch(/not tracked/);
  });

  it('marks an identical redelivery within 5 minutes as duplicate', async () => {
    const p = variant(fixture('episode-legacy.pause'), { ratingKey: 'dup-1' });
    const first = (await (await h.deliver(p)).json()) as { status: string };
    const second = (await (await h.deliver(p)).json()) as { status: string; id: string };
    expect(first.status).toBe('accepted');
    expect(second.status).toBe('duplicate');
    expect((await eventRow(h.db, second.id)).status).toBe('duplicate');
    // A later position is a different event, not a redelivery.
    const moved = (await (await h.deliver(variant(p, { viewOffset: 2_000_000 }))).json()) as { status: string };
    expect(moved.status).toBe('accepted');
  });
});

describe('bad input gets a reason, never a crash', () => {
  const reason = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it('not multipart or JSON → 400 INVALID_PAYLOAD', async () => {
    const res = await post('event=media.play', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(400);
    expect(await reason(res)).toMatchObject({ code: 'INVALID_PAYLOAD', message: expect.stringMatching(/multipart\/form-data/) });
    const none = await post('hello', {});
    expect(none.status).toBe(400);
  });

  it('multipart without a payload part', async () => {
    const b = '--XyZ\r\nContent-Disposition: form-data; name="other"\r\n\r\nhi\r\n--XyZ--\r\n';
    const res = await post(b, { 'content-type': 'multipart/form-data; boundary=XyZ' });
    expect(res.status).toBe(400);
    expect((await reason(res)).message).toMatch(/no "payload" part/);
  });

  it('multipart with no boundary, or truncated', async () => {
    expect((await post('x', { 'content-type': 'multipart/form-data' })).status).toBe(400);
    const cut = plexMultipart(fixture('device.new')).body.slice(0, 60);
    const res = await post(cut, { 'content-type': plexMultipart(fixture('device.new')).headers['content-type']! });
    expect(res.status).toBe(400);
  });

  it('payload that is not JSON', async () => {
    const res = await h.deliver('{"event": "media.play",');
    expect(res.status).toBe(400);
    expect((await reason(res)).message).toMatch(/not valid JSON/);
  });

  it('payload without event', async () => {
    const res = await h.deliver(JSON.stringify({ Metadata: { type: 'movie' } }));
    expect(res.status).toBe(400);
    expect((await reason(res)).message).toMatch(/no "event"/);
  });

  it('unsupported shapes', async () => {
    for (const bad of ['[1,2,3]', '"media.play"', 'null', JSON.stringify({ event: 42 }), JSON.stringify({ event: 'media.play', Metadata: [1] })]) {
      const res = await h.deliver(bad);
      expect(res.status, bad).toBe(400);
      expect((await reason(res)).code).toBe('INVALID_PAYLOAD');
    }
  });

  it('deeply nested JSON', async () => {
    const deep = `{"event":"media.play","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await h.deliver(deep);
    expect(res.status).toBe(400);
    expect((await reason(res)).message).toMatch(/nested deeper/);
  });

  it('oversized body → 413, by Content-Length and by streaming', async () => {
    const big = plexMultipart(fixture('episode-legacy.play'), { thumb: new Uint8Array(5 * 1024 * 1024 + 10) });
    const declared = await post(big.body, big.headers);
    expect(declared.status).toBe(413);
    expect((await reason(declared)).code).toBe('PAYLOAD_TOO_LARGE');
    const { 'content-length': _cl, ...noLength } = big.headers;
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let i = 0; i < big.body.length; i += 65536) ctrl.enqueue(big.body.slice(i, i + 65536));
        ctrl.close();
      },
    });
    const streamed = await h.client.request(h.hookPath, { method: 'POST', body: stream, headers: noLength, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('a large but allowed poster is fine', async () => {
    const res = await h.deliver(variant(fixture('episode-legacy.play'), { ratingKey: 'big-thumb' }), { thumb: true });
    expect(res.status).toBe(200);
  });

  it('wrong method → 405 whatever the secret', async () => {
    for (const path of [h.hookPath, '/webhooks/plex/not-a-real-secret-value-1234']) {
      const res = await h.client.request(path);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('unknown secret → 404 with the same body as any unknown route', async () => {
    const d = plexMultipart(fixture('device.new'));
    const res = await h.client.request('/webhooks/plex/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { method: 'POST', body: d.body, headers: d.headers });
    const other = await h.client.request('/nothing/here/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { method: 'POST', body: d.body, headers: d.headers });
    expect(res.status).toBe(404);
    const strip = (b: { error: { requestId?: string; message: string } }) => ({ ...b.error, requestId: undefined, message: b.error.message.replace(/\/\S+/, '/…') });
    expect(strip(await res.json())).toEqual(strip(await other.json()));
    const short = await h.client.request('/webhooks/plex/x', { method: 'POST', body: d.body, headers: d.headers });
    expect(short.status).toBe(404);
  });

  it('no bad input wrote a row', async () => {
    const [row] = await rows<{ n: string }>(h.db, "SELECT count(*) AS n FROM webhook_events WHERE payload::text LIKE '%\"x\"%' OR event = '42'");
    expect(Number(row?.n)).toBe(0);
  });
});
