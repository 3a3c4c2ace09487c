import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { startGcsTestServer, writeObject, type FaultConfig } from './support/gcs-test-server.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set when the connection broke before the body was complete. */
  error?: Error;
}

/** A bare GET with node:http: no automatic decompression, and broken connections reported instead of thrown. */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = (error?: Error): void =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
      res.on('end', () => done());
      res.on('error', (error) => done(error));
      res.on('aborted', () => done(new Error('aborted')));
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (response: RawResponse): Record<string, unknown> => JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;

const BUCKET = 'test-bucket';
const logText = 'line of build log\n'.repeat(500);

const gcs = useGcsTestServer({
  bucket: BUCKET,
  fill: async (root) => {
    for (let i = 0; i < 25; i++) await writeObject(root, `flat/obj-${String(i).padStart(2, '0')}.txt`, `object ${i}`);
    for (const job of ['job-a', 'job-b']) {
      for (const build of ['100', '101', '102']) {
        await writeObject(root, `logs/${job}/${build}/started.json`, JSON.stringify({ timestamp: Number(build) }));
        await writeObject(root, `logs/${job}/${build}/finished.json`, JSON.stringify({ passed: true }));
      }
    }
    await writeObject(root, 'logs/latest.txt', '102');
    await writeObject(root, 'logs/job-a/100/build-log.txt', logText, { contentEncoding: 'gzip', contentType: 'text/plain' });
    await writeObject(root, 'bytes.bin', Buffer.from(Array.from({ length: 100 }, (_, i) => i)));
    // A real .gz object that is NOT content-encoded (a tarball): served as stored, whatever the client accepts.
    await writeObject(root, 'artifacts/must-gather.tar.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  },
});

async function listAllNames(params: Record<string, string>, style = '/storage/v1'): Promise<{ names: string[]; prefixes: string[]; pages: number }> {
  const names: string[] = [];
  const prefixes: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ ...params, ...(pageToken ? { pageToken } : {}) });
    const response = await get(`${gcs.server.url}${style}/b/${BUCKET}/o?${query}`);
    expect(response.status).toBe(200);
    const body = json(response) as { items?: { name: string }[]; prefixes?: string[]; nextPageToken?: string };
    names.push(...(body.items ?? []).map((item) => item.name));
    prefixes.push(...(body.prefixes ?? []));
    pageToken = body.nextPageToken;
    pages++;
  } while (pageToken);
  return { names, prefixes, pages };
}

describe('listing', () => {
  it('pages through maxResults-sized pages in name order without duplicates', async () => {
    const { names, pages } = await listAllNames({ prefix: 'flat/', maxResults: '10' });
    expect(pages).toBe(3);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `flat/obj-${String(i).padStart(2, '0')}.txt`));
  });

  it('defaults to pages of 1,000 and omits nextPageToken on the last page', async () => {
    const response = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o?prefix=flat/`);
    const body = json(response);
    expect((body.items as unknown[]).length).toBe(25);
    expect(body.nextPageToken).toBeUndefined();
    expect(body.kind).toBe('storage#objects');
  });

  it('groups names into prefixes with a delimiter, counting prefixes towards maxResults', async () => {
    const whole = await listAllNames({ prefix: 'logs/', delimiter: '/' });
    expect(whole.prefixes).toEqual(['logs/job-a/', 'logs/job-b/']);
    expect(whole.names).toEqual(['logs/latest.txt']);

    const paged = await listAllNames({ prefix: 'logs/', delimiter: '/', maxResults: '1' });
    expect(paged.pages).toBe(3);
    expect(paged.prefixes).toEqual(whole.prefixes);
    expect(paged.names).toEqual(whole.names);

    const builds = await listAllNames({ prefix: 'logs/job-a/', delimiter: '/', maxResults: '2' });
    expect(builds.prefixes).toEqual(['logs/job-a/100/', 'logs/job-a/101/', 'logs/job-a/102/']);
  });

  it('serves both URL styles, and a prefix that ends inside a name', async () => {
    const api = await listAllNames({ prefix: 'logs/job-', delimiter: '/' });
    const emulator = await listAllNames({ prefix: 'logs/job-', delimiter: '/' }, '');
    expect(emulator).toEqual(api);
    expect(api.prefixes).toEqual(['logs/job-a/', 'logs/job-b/']);
    expect(gcs.server.stats.pathStyles).toMatchObject({ api: 1, emulator: 1 });
  });

  it('honours startOffset and hides sidecar metadata files', async () => {
    const { names } = await listAllNames({ prefix: 'flat/', startOffset: 'flat/obj-23' });
    expect(names).toEqual(['flat/obj-23.txt', 'flat/obj-24.txt']);
    const a100 = await listAllNames({ prefix: 'logs/job-a/100/' });
    expect(a100.names).toEqual(['logs/job-a/100/build-log.txt', 'logs/job-a/100/finished.json', 'logs/job-a/100/started.json']);
  });

  it('describes items like GCS: size as a string, updated, generation, contentEncoding', async () => {
    const response = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o?prefix=logs/job-a/100/build`);
    const [item] = (json(response) as { items: Record<string, unknown>[] }).items;
    expect(item).toMatchObject({ name: 'logs/job-a/100/build-log.txt', bucket: BUCKET, contentEncoding: 'gzip', kind: 'storage#object' });
    expect(typeof item!.size).toBe('string');
    expect(Number(item!.size)).toBeLessThan(logText.length);
    expect(Date.parse(item!.updated as string)).not.toBeNaN();
    expect(item!.generation).toMatch(/^\d+$/);
  });

  it('rejects a bad maxResults or pageToken with 400', async () => {
    expect((await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o?maxResults=0`)).status).toBe(400);
    const bad = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o?pageToken=nonsense`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(json(bad))).toContain('pageToken');
  });

  it('returns an empty listing (no items key) for a prefix with nothing under it', async () => {
    const body = json(await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o?prefix=nothing/here/`));
    expect(body).toEqual({ kind: 'storage#objects' });
  });
});

describe('objects', () => {
  it('returns metadata with md5Hash and crc32c of the stored bytes', async () => {
    const response = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('logs/latest.txt')}`);
    expect(response.status).toBe(200);
    const body = json(response);
    expect(body).toMatchObject({ name: 'logs/latest.txt', size: '3', md5Hash: createHash('md5').update('102').digest('base64') });
    expect(body.crc32c).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  it('downloads media, with x-goog-hash and the stored encoding', async () => {
    const response = await get(`${gcs.server.url}/b/${BUCKET}/o/${encodeURIComponent('logs/latest.txt')}?alt=media`);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('102');
    expect(response.headers['x-goog-hash']).toMatch(/crc32c=.+,md5=.+/);
    expect(response.headers['x-goog-stored-content-encoding']).toBe('identity');
    expect(gcs.server.stats.mediaByObject.get('logs/latest.txt')).toBe(1);
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await get(`${gcs.server.url}/b/${BUCKET}/o/bytes.bin?alt=media`, {}, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe('100');
    expect(response.body.length).toBe(0);
  });

  it('serves byte ranges with 206, suffix ranges, and 416 beyond the end', async () => {
    const url = `${gcs.server.url}/storage/v1/b/${BUCKET}/o/bytes.bin?alt=media`;
    const middle = await get(url, { Range: 'bytes=10-19' });
    expect(middle.status).toBe(206);
    expect([...middle.body]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(middle.headers['content-range']).toBe('bytes 10-19/100');
    const open = await get(url, { Range: 'bytes=95-' });
    expect([...open.body]).toEqual([95, 96, 97, 98, 99]);
    const suffix = await get(url, { Range: 'bytes=-3' });
    expect([...suffix.body]).toEqual([97, 98, 99]);
    const beyond = await get(url, { Range: 'bytes=100-200' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */100');
    expect(gcs.server.stats.rangeRequests).toBe(4);
  });

  it('sends gzip-encoded objects compressed when the client accepts gzip, decompressed otherwise', async () => {
    const url = `${gcs.server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('logs/job-a/100/build-log.txt')}?alt=media`;
    const compressed = await get(url, { 'Accept-Encoding': 'gzip, deflate' });
    expect(compressed.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(compressed.body).toString()).toBe(logText);
    expect(Number(compressed.headers['content-length'])).toBe(compressed.body.length);

    const transcoded = await get(url, { 'Accept-Encoding': 'identity' });
    expect(transcoded.headers['content-encoding']).toBeUndefined();
    expect(transcoded.headers['x-goog-stored-content-encoding']).toBe('gzip');
    expect(transcoded.body.toString()).toBe(logText);

    // GCS ignores Range when it has to decompress: the whole decoded object comes back.
    const rangedTranscoded = await get(url, { Range: 'bytes=0-9' });
    expect(rangedTranscoded.status).toBe(200);
    expect(rangedTranscoded.body.toString()).toBe(logText);

    const refused = await get(url, { 'Accept-Encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(gcs.server.stats).toMatchObject({ gzipServed: 1, transcoded: 3 });
  });

  it('serves a .gz object without content-encoding as plain bytes', async () => {
    const response = await get(`${gcs.server.url}/b/${BUCKET}/o/${encodeURIComponent('artifacts/must-gather.tar.gz')}?alt=media`, {
      'Accept-Encoding': 'gzip',
    });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect([...response.body]).toEqual([0x1f, 0x8b, 1, 2, 3]);
  });

  it('answers 404 with a GCS-style JSON error for missing objects, buckets and names escaping the root', async () => {
    const missing = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('logs/nope.json')}?alt=media`);
    expect(missing.status).toBe(404);
    expect(json(missing)).toEqual({
      error: {
        code: 404,
        message: `No such object: ${BUCKET}/logs/nope.json`,
        errors: [{ message: `No such object: ${BUCKET}/logs/nope.json`, domain: 'global', reason: 'notFound' }],
      },
    });
    const otherBucket = await get(`${gcs.server.url}/storage/v1/b/other-bucket/o`);
    expect(otherBucket.status).toBe(404);
    expect(JSON.stringify(json(otherBucket))).toContain('bucket does not exist');
    await writeFile(join(dirname(gcs.root), 'outside.txt'), 'secret');
    const escaped = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('../outside.txt')}?alt=media`);
    expect(escaped.status).toBe(404);
    const sidecar = await get(`${gcs.server.url}/b/${BUCKET}/o/${encodeURIComponent('logs/job-a/100/build-log.txt.gcsmeta.json')}?alt=media`);
    expect(sidecar.status).toBe(404);
    expect(gcs.server.stats.notFound).toBe(4);
  });

  it('answers 405 to methods it does not serve', async () => {
    const response = await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o`, {}, 'POST');
    expect(response.status).toBe(405);
    expect(JSON.stringify(json(response))).toContain('POST is not supported');
  });
});

describe('faults', () => {
  const mediaUrl = (name: string): string => `${gcs.server.url}/b/${BUCKET}/o/${encodeURIComponent(name)}?alt=media`;

  it('injects 429 with Retry-After and 503 with JSON bodies, and counts them', async () => {
    gcs.server.setFaults(({ attempt }) => (attempt === 1 ? { kind: '429', retryAfterSeconds: 2 } : attempt === 2 ? { kind: '503' } : undefined));
    const first = await get(mediaUrl('logs/latest.txt'));
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('2');
    expect((json(first).error as { code: number }).code).toBe(429);
    expect((await get(mediaUrl('logs/latest.txt'))).status).toBe(503);
    expect((await get(mediaUrl('logs/latest.txt'))).status).toBe(200);
    expect(gcs.server.stats.faults).toMatchObject({ total: 2, '429': 1, '503': 1 });
    expect(gcs.server.stats.requests).toMatchObject({ total: 3, media: 3 });
  });

  it('resets the connection before any byte', async () => {
    gcs.server.setFaults(() => ({ kind: 'reset' }));
    await expect(get(mediaUrl('logs/latest.txt'))).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(gcs.server.stats.faults.reset).toBe(1);
  });

  it('truncates: announces the full Content-Length, sends half, then drops the connection', async () => {
    gcs.server.setFaults(() => ({ kind: 'truncate' }));
    const response = await get(mediaUrl('bytes.bin'));
    expect(response.headers['content-length']).toBe('100');
    expect(response.body.length).toBe(50);
    expect(response.error).toBeDefined();
  });

  it('delays headers, or stalls in the middle of the body', async () => {
    gcs.server.setFaults(({ attempt }) => (attempt === 1 ? { kind: 'slow', delayMs: 150 } : { kind: 'slow', delayMs: 150, phase: 'body' }));
    let started = Date.now();
    const delayed = await get(mediaUrl('bytes.bin'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(delayed.body.length).toBe(100);
    started = Date.now();
    const stalled = await get(mediaUrl('bytes.bin'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(stalled.body.length).toBe(100);
    expect(gcs.server.stats.faults.slow).toBe(2);
  });

  it('fails broken objects every time, whatever the probability', async () => {
    gcs.server.setFaults({ probability: 0, brokenObjects: ['logs/latest.txt'] });
    for (let i = 0; i < 3; i++) expect((await get(mediaUrl('logs/latest.txt'))).status).toBe(503);
    expect((await get(mediaUrl('bytes.bin'))).status).toBe(200);
    expect(gcs.server.stats.faults['503']).toBe(3);
  });

  it('decides faults from the seed, the target and the attempt: the same config gives the same faults', async () => {
    const config: FaultConfig = { probability: 0.3, seed: 42, kinds: ['429', '503'] };
    const run = async (): Promise<number[]> => {
      gcs.server.setFaults(config);
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) {
        const name = `flat/obj-${String(i).padStart(2, '0')}.txt`;
        statuses.push((await get(mediaUrl(name))).status, (await get(mediaUrl(name))).status);
      }
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((status) => status !== 200).length;
    // 50 requests at 30 %: far from none and far from all.
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(30);
    const other = await (async () => {
      gcs.server.setFaults({ ...config, seed: 43 });
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) statuses.push((await get(mediaUrl(`flat/obj-${String(i).padStart(2, '0')}.txt`))).status);
      return statuses;
    })();
    expect(other).not.toEqual(first.filter((_, i) => i % 2 === 0));
  });

  it('limits faults to the chosen request kinds', async () => {
    gcs.server.setFaults({ probability: 1, kinds: ['503'], requestKinds: ['list'] });
    expect((await get(`${gcs.server.url}/storage/v1/b/${BUCKET}/o?prefix=flat/`)).status).toBe(503);
    expect((await get(mediaUrl('bytes.bin'))).status).toBe(200);
  });
});

describe('startGcsTestServer', () => {
  it('refuses a root that is not a directory', async () => {
    await expect(startGcsTestServer({ root: join(gcs.root, 'bytes.bin'), bucket: BUCKET })).rejects.toThrow(/not a directory/);
  });

  it('listens on 127.0.0.1', () => {
    expect(gcs.server.url).toBe(`http://127.0.0.1:${gcs.server.port}`);
  });
});
