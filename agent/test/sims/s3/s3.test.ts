import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Sim, startS3Sim } from './index';
import { listPage } from './listing';
import { authorization, canonicalRequest, EMPTY_SHA256, type SignInput } from './sigv4';
import { s3call, xmlAll, xmlText } from './test-client';

describe('s3 sim: SigV4', () => {
  it('signs the worked GET example from the S3 documentation', () => {
    const input: SignInput = {
      method: 'GET',
      path: '/test.txt',
      query: [],
      headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': '20130524T000000Z' },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      payloadHash: EMPTY_SHA256,
    };
    expect(createHash('sha256').update(canonicalRequest(input)).digest('hex')).toBe('7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972');
    const auth = authorization(input, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, 'us-east-1');
    expect(auth).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});

describe('s3 sim: listing', () => {
  const keys = ['a/1', 'a/2', 'b', 'c/x/1', 'c/y', 'd'];
  it('rolls keys up into common prefixes once each and pages across them', () => {
    expect(listPage(keys, { prefix: '', delimiter: '/', after: '', maxKeys: 1000 })).toEqual({ keys: ['b', 'd'], commonPrefixes: ['a/', 'c/'], isTruncated: false, last: 'd' });
    const p1 = listPage(keys, { prefix: '', delimiter: '/', after: '', maxKeys: 2 });
    expect(p1).toEqual({ keys: ['b'], commonPrefixes: ['a/'], isTruncated: true, last: 'b' });
    const p2 = listPage(keys, { prefix: '', delimiter: '/', after: 'a/', maxKeys: 1 });
    expect(p2).toEqual({ keys: ['b'], commonPrefixes: [], isTruncated: true, last: 'b' });
    expect(listPage(keys, { prefix: 'c/', delimiter: '/', after: '', maxKeys: 10 })).toMatchObject({ keys: ['c/y'], commonPrefixes: ['c/x/'] });
    expect(listPage(keys, { prefix: 'zz', delimiter: '/', after: '', maxKeys: 10 })).toMatchObject({ keys: [], commonPrefixes: [], isTruncated: false });
  });
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    const sorted = ['\uFF5E', '\u{1F600}'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sorted).toEqual(['\uFF5E', '\u{1F600}']);
    expect(listPage(sorted, { prefix: '', delimiter: '', after: '\uFF5E', maxKeys: 10 }).keys).toEqual(['\u{1F600}']);
  });
});

describe('s3 sim: HTTP API', () => {
  let sim: S3Sim;
  let cred: S3Sim['credentials'][number];
  const call = (method: string, path: string, opts: Parameters<typeof s3call>[3] = {}) => s3call(sim.endpoint, method, path, { cred, ...opts });
  beforeAll(async () => {
    sim = await startS3Sim({ buckets: ['backups'] });
    cred = sim.credentials[0] as S3Sim['credentials'][number];
  });
  afterAll(() => sim.close());

  it('puts, heads, gets (with a range) and deletes an object', async () => {
    const put = await call('PUT', '/backups/dir/hello%20world.txt', { body: 'hello, world', headers: { 'Content-Type': 'text/plain', 'x-amz-meta-owner': 'plexops' } });
    expect(put.status).toBe(200);
    const md5 = createHash('md5').update('hello, world').digest('hex');
    expect(put.headers.etag).toBe(`"${md5}"`);
    const head = await call('HEAD', '/backups/dir/hello%20world.txt');
    expect([head.status, head.headers['content-length'], head.headers['content-type'], head.headers['x-amz-meta-owner'], head.text]).toEqual([200, '12', 'text/plain', 'plexops', '']);
    const get = await call('GET', '/backups/dir/hello%20world.txt');
    expect([get.status, get.text]).toEqual([200, 'hello, world']);
    const range = await call('GET', '/backups/dir/hello%20world.txt', { headers: { Range: 'bytes=7-' } });
    expect([range.status, range.text, range.headers['content-range']]).toEqual([206, 'world', 'bytes 7-11/12']);
    expect(sim.get('backups', 'dir/hello world.txt')?.toString()).toBe('hello, world');
    expect((await call('DELETE', '/backups/dir/hello%20world.txt')).status).toBe(204);
    expect((await call('DELETE', '/backups/dir/hello%20world.txt')).status).toBe(204);
    const gone = await call('GET', '/backups/dir/hello%20world.txt');
    expect([gone.status, xmlText(gone.text, 'Code'), xmlText(gone.text, 'Message'), xmlText(gone.text, 'Key')]).toEqual([404, 'NoSuchKey', 'The specified key does not exist.', 'dir/hello world.txt']);
    expect(xmlText(gone.text, 'RequestId')).toBe(gone.headers['x-amz-request-id']);
    const headGone = await call('HEAD', '/backups/nope');
    expect([headGone.status, headGone.text]).toEqual([404, '']);
  });

  it('lists v1 with delimiter, CommonPrefixes and NextMarker paging', async () => {
    for (const k of ['db/generations/g1/snapshots/0.lz4', 'db/generations/g1/wal/0.lz4', 'db/generations/g2/snapshots/0.lz4', 'db/generations/g3/snapshots/0.lz4', 'db/readme'])
      expect((await call('PUT', `/backups/${k}`, { body: k })).status).toBe(200);
    const all = await call('GET', '/backups?prefix=db%2Fgenerations%2F&delimiter=%2F');
    expect(xmlAll(all.text, 'Prefix')).toEqual(['db/generations/', 'db/generations/g1/', 'db/generations/g2/', 'db/generations/g3/']);
    expect(xmlText(all.text, 'IsTruncated')).toBe('false');
    expect(all.text).toContain('<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
    const seen: string[] = [];
    let marker = '';
    for (let i = 0; i < 5; i++) {
      const page = await call('GET', `/backups?prefix=db%2F&delimiter=%2F&max-keys=1&marker=${encodeURIComponent(marker)}`);
      seen.push(...xmlAll(page.text, 'Key'), ...xmlAll(page.text, 'Prefix').slice(1));
      if (xmlText(page.text, 'IsTruncated') !== 'true') break;
      marker = xmlText(page.text, 'NextMarker') ?? '';
    }
    expect(seen).toEqual(['db/generations/', 'db/readme']);
    const noDelim = await call('GET', '/backups?prefix=db%2Fgenerations%2Fg1%2F&max-keys=1');
    expect([xmlAll(noDelim.text, 'Key'), xmlText(noDelim.text, 'IsTruncated'), xmlText(noDelim.text, 'NextMarker')]).toEqual([['db/generations/g1/snapshots/0.lz4'], 'true', undefined]);
    const keys = await call('GET', '/backups?prefix=db%2Fgenerations%2Fg1%2F');
    expect(xmlAll(keys.text, 'Size')).toEqual(['33', '27']);
  });

  it('lists v2 with continuation tokens, start-after, KeyCount and url encoding', async () => {
    const first = await call('GET', '/backups?list-type=2&prefix=db%2Fgenerations%2F&delimiter=%2F&max-keys=2');
    expect([xmlText(first.text, 'KeyCount'), xmlText(first.text, 'IsTruncated')]).toEqual(['2', 'true']);
    const token = xmlText(first.text, 'NextContinuationToken') ?? '';
    const second = await call('GET', `/backups?list-type=2&prefix=db%2Fgenerations%2F&delimiter=%2F&max-keys=2&continuation-token=${encodeURIComponent(token)}`);
    expect(xmlAll(second.text, 'Prefix').slice(1)).toEqual(['db/generations/g3/']);
    expect([xmlText(second.text, 'IsTruncated'), xmlText(second.text, 'ContinuationToken')]).toEqual(['false', token]);
    const after = await call('GET', '/backups?list-type=2&start-after=db%2Fgenerations%2Fg3%2Fsnapshots%2F0.lz4');
    expect(xmlAll(after.text, 'Key')).toEqual(['db/readme']);
    expect((await call('PUT', '/backups/sp%20ace%2Bplus', { body: 'x' })).status).toBe(200);
    const enc = await call('GET', '/backups?list-type=2&prefix=sp&encoding-type=url');
    expect([xmlAll(enc.text, 'Key'), xmlText(enc.text, 'EncodingType')]).toEqual([['sp+ace%2Bplus'], 'url']);
  });

  it('answers bad listing parameters with 400 InvalidArgument', async () => {
    const tampered = await call('GET', '/backups?list-type=2&continuation-token=eyJiIjoiYmFja3VwcyIsImsiOiJ6In0.AAAA');
    expect([tampered.status, xmlText(tampered.text, 'Code'), xmlText(tampered.text, 'Message')]).toEqual([400, 'InvalidArgument', 'The continuation token provided is incorrect']);
    for (const bad of ['-1', 'abc', '99999999999999999999', '1e3']) {
      const r = await call('GET', `/backups?max-keys=${bad}`);
      expect([r.status, xmlText(r.text, 'Code'), xmlText(r.text, 'ArgumentName')]).toEqual([400, 'InvalidArgument', 'max-keys']);
    }
    const huge = await call('GET', '/backups?max-keys=5000');
    expect(xmlText(huge.text, 'MaxKeys')).toBe('1000');
    expect(xmlText((await call('GET', '/backups?encoding-type=base64')).text, 'Code')).toBe('InvalidArgument');
    const nul = await call('GET', '/backups?prefix=%00');
    expect(nul.status).toBe(200);
  });

  it('authenticates: anonymous, unknown key, wrong secret, wrong region, skewed clock, bad payload hash', async () => {
    const anon = await call('GET', '/backups', { cred: null });
    expect([anon.status, xmlText(anon.text, 'Code')]).toEqual([403, 'AccessDenied']);
    const unknown = await call('GET', '/backups', { cred: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } });
    expect([unknown.status, xmlText(unknown.text, 'Code')]).toEqual([403, 'InvalidAccessKeyId']);
    const wrong = await call('GET', '/backups', { cred: { accessKeyId: cred.accessKeyId, secretAccessKey: 'not-the-secret' } });
    expect([wrong.status, xmlText(wrong.text, 'Code'), xmlText(wrong.text, 'Message')]).toEqual([
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ]);
    expect(xmlText(wrong.text, 'StringToSign')).toMatch(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
    expect(wrong.text).not.toContain(cred.secretAccessKey);
    const region = await call('GET', '/backups', { region: 'eu-west-1' });
    expect([region.status, xmlText(region.text, 'Code'), xmlText(region.text, 'Region')]).toEqual([400, 'AuthorizationHeaderMalformed', 'us-east-1']);
    const skew = await call('GET', '/backups', { at: Date.now() - 20 * 60_000 });
    expect([skew.status, xmlText(skew.text, 'Code')]).toEqual([403, 'RequestTimeTooSkewed']);
    const hash = await call('PUT', '/backups/x', { body: 'abc', payloadHash: EMPTY_SHA256 });
    expect([hash.status, xmlText(hash.text, 'Code')]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect(sim.get('backups', 'x')).toBeUndefined();
    const v2 = await s3call(sim.endpoint, 'GET', '/backups', { cred: null, headers: { Authorization: 'AWS AKIA:c2ln' } });
    expect([v2.status, xmlText(v2.text, 'Code')]).toEqual([400, 'InvalidRequest']);
  });

  it('virtual-hosted style: the bucket comes from the Host header', async () => {
    await call('PUT', '/backups/vhost-key', { body: 'v' });
    const r = await s3call(sim.endpoint, 'GET', '/vhost-key', { cred, host: `backups.localhost:${sim.port}` });
    expect([r.status, r.text]).toEqual([200, 'v']);
    const list = await s3call(sim.endpoint, 'GET', '/?prefix=vhost', { cred, host: `backups.localhost:${sim.port}` });
    expect(xmlAll(list.text, 'Key')).toEqual(['vhost-key']);
  });

  it('DeleteObjects needs Content-MD5 and refuses malformed or hostile XML', async () => {
    await call('PUT', '/backups/del/1', { body: '1' });
    await call('PUT', '/backups/del/2', { body: '2' });
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>del/1</Key></Object><Object><Key>del/2</Key></Object><Object><Key>del/none</Key></Object></Delete>';
    const md5 = (s: string) => createHash('md5').update(s).digest('base64');
    const noMd5 = await call('POST', '/backups?delete', { body: xml });
    expect([noMd5.status, xmlText(noMd5.text, 'Code')]).toEqual([400, 'InvalidRequest']);
    const badMd5 = await call('POST', '/backups?delete', { body: xml, headers: { 'Content-MD5': md5('other') } });
    expect(xmlText(badMd5.text, 'Code')).toBe('BadDigest');
    const ok = await call('POST', '/backups?delete', { body: xml, headers: { 'Content-MD5': md5(xml) } });
    expect(ok.status).toBe(200);
    expect(xmlAll(ok.text, 'Key')).toEqual(['del/1', 'del/2', 'del/none']);
    expect(sim.list('backups', 'del/')).toEqual([]);
    const quietXml = '<Delete><Quiet>true</Quiet><Object><Key>x</Key></Object></Delete>';
    const quiet = await call('POST', '/backups?delete', { body: quietXml, headers: { 'Content-MD5': md5(quietXml) } });
    expect(xmlAll(quiet.text, 'Key')).toEqual([]);
    for (const hostile of ['<Delete><Object><Key>a</Key></Object>', '<!DOCTYPE d [<!ENTITY a "aaaa">]><Delete><Object><Key>&a;</Key></Object></Delete>', '<Delete><Object><Key>&bogus;</Key></Object></Delete>', '', '\u0000']) {
      const r = await call('POST', '/backups?delete', { body: hostile, headers: { 'Content-MD5': md5(hostile) } });
      expect([r.status, xmlText(r.text, 'Code')]).toEqual([400, 'MalformedXML']);
    }
  });

  it('multipart upload: parts, ETag, minimum part size, wrong ETag, abort', async () => {
    const init = await call('POST', '/backups/big.bin?uploads');
    const uploadId = xmlText(init.text, 'UploadId') ?? '';
    expect(uploadId.length).toBeGreaterThan(20);
    const p1 = Buffer.alloc(5 * 1024 * 1024, 1);
    const p2 = Buffer.from('tail');
    const e1 = (await call('PUT', `/backups/big.bin?partNumber=1&uploadId=${uploadId}`, { body: p1 })).headers.etag as string;
    const e2 = (await call('PUT', `/backups/big.bin?partNumber=2&uploadId=${uploadId}`, { body: p2 })).headers.etag as string;
    const wrong = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"00000000000000000000000000000000"</ETag></Part></CompleteMultipartUpload>`;
    expect(xmlText((await call('POST', `/backups/big.bin?uploadId=${uploadId}`, { body: wrong })).text, 'Code')).toBe('InvalidPart');
    const order = `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part></CompleteMultipartUpload>`;
    expect(xmlText((await call('POST', `/backups/big.bin?uploadId=${uploadId}`, { body: order })).text, 'Code')).toBe('InvalidPartOrder');
    const done = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part></CompleteMultipartUpload>`;
    const complete = await call('POST', `/backups/big.bin?uploadId=${uploadId}`, { body: done });
    expect(complete.status).toBe(200);
    const md5s = Buffer.concat([p1, p2].map((p) => createHash('md5').update(p).digest()));
    expect(xmlText(complete.text, 'ETag')).toBe(`&quot;${createHash('md5').update(md5s).digest('hex')}-2&quot;`);
    expect(sim.get('backups', 'big.bin')?.equals(Buffer.concat([p1, p2]))).toBe(true);
    expect(xmlText((await call('POST', `/backups/big.bin?uploadId=${uploadId}`, { body: done })).text, 'Code')).toBe('NoSuchUpload');

    const small = xmlText((await call('POST', '/backups/small.bin?uploads')).text, 'UploadId') ?? '';
    const s1 = (await call('PUT', `/backups/small.bin?partNumber=1&uploadId=${small}`, { body: 'a' })).headers.etag as string;
    const s2 = (await call('PUT', `/backups/small.bin?partNumber=2&uploadId=${small}`, { body: 'b' })).headers.etag as string;
    const tooSmall = await call('POST', `/backups/small.bin?uploadId=${small}`, {
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${s1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${s2}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect([tooSmall.status, xmlText(tooSmall.text, 'Code')]).toEqual([400, 'EntityTooSmall']);
    expect(xmlText((await call('PUT', `/backups/small.bin?partNumber=10001&uploadId=${small}`, { body: 'a' })).text, 'Code')).toBe('InvalidArgument');
    expect((await call('DELETE', `/backups/small.bin?uploadId=${small}`)).status).toBe(204);
    expect(xmlText((await call('DELETE', `/backups/small.bin?uploadId=${small}`)).text, 'Code')).toBe('NoSuchUpload');
  });

  it('buckets: create, already-owned, invalid name, not empty, unknown bucket, location', async () => {
    expect((await call('PUT', '/fresh-bucket')).status).toBe(200);
    expect((await call('PUT', '/fresh-bucket')).status).toBe(200); // us-east-1 legacy behaviour
    expect(xmlText((await call('PUT', '/Bad_Name')).text, 'Code')).toBe('InvalidBucketName');
    expect(xmlText((await call('DELETE', '/backups')).text, 'Code')).toBe('BucketNotEmpty');
    const nb = await call('GET', '/no-such-bucket/key');
    expect([nb.status, xmlText(nb.text, 'Code'), xmlText(nb.text, 'BucketName')]).toEqual([404, 'NoSuchBucket', 'no-such-bucket']);
    expect((await call('HEAD', '/no-such-bucket')).status).toBe(404);
    expect((await call('HEAD', '/backups')).status).toBe(200);
    expect((await call('GET', '/backups?location')).text).toContain('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>');
    expect(xmlAll((await call('GET', '/')).text, 'Name')).toEqual(['backups', 'fresh-bucket']);
    expect((await call('DELETE', '/fresh-bucket')).status).toBe(204);
  });

  it('hostile input: bad percent-encoding, long keys, unsupported features, wrong methods, injected faults', async () => {
    const badUri = await call('GET', '/backups/%E0%A4%A');
    expect([badUri.status, xmlText(badUri.text, 'Code')]).toEqual([400, 'InvalidURI']);
    const surrogate = await call('GET', '/backups/%ED%A0%80');
    expect(xmlText(surrogate.text, 'Code')).toBe('InvalidURI');
    const long = await call('PUT', `/backups/${'k'.repeat(1025)}`, { body: 'x' });
    expect([long.status, xmlText(long.text, 'Code')]).toEqual([400, 'KeyTooLongError']);
    expect(xmlText((await call('PUT', '/backups/ctl%01key', { body: 'x' })).text, 'Code')).toBe('InvalidArgument');
    expect((await call('GET', '/backups?acl')).status).toBe(501);
    expect((await call('PUT', '/backups/copy', { headers: { 'x-amz-copy-source': '/backups/db/readme' } })).status).toBe(501);
    const method = await call('POST', '/backups/db/readme');
    expect([method.status, xmlText(method.text, 'Code')]).toEqual([405, 'MethodNotAllowed']);
    sim.failNext('GetObject', 503, 'SlowDown');
    const slow = await call('GET', '/backups/db/readme');
    expect([slow.status, xmlText(slow.text, 'Code')]).toEqual([503, 'SlowDown']);
    expect((await call('GET', '/backups/db/readme')).status).toBe(200);
    expect(sim.requests.at(-1)).toMatchObject({ op: 'GetObject', bucket: 'backups', key: 'db/readme', status: 200, accessKeyId: cred.accessKeyId });
  });
});
