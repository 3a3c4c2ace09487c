/**
 * The GCS source driven through the real @google-cloud/storage client against the local test server, in both
 * endpoint styles (apiEndpoint and STORAGE_EMULATOR_HOST).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGcsSource, hasApplicationDefaultCredentials, parseGsUrl, type GcsRetryInfo } from '../src/source/gcs-source.ts';
import { listAll, readText, SourceError, type BucketSource } from '../src/source/source.ts';
import { BUCKET } from './support/constants.ts';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { writeObject } from './support/gcs-test-server.ts';

const JOB = 'periodic-ci-openshift-release-master-nightly-4.18-e2e-aws-ovn';
const BUILDS = 1600;
/** Build ids like Prow's: 19 digits, beyond 2^53. */
const buildId = (i: number): string => (1850000000000000000n + BigInt(i) * 1000n).toString();

/** Objects for the read tests: name → bytes as the reader must see them. */
const contents = new Map<string, Buffer>();

async function readBytes(from: BucketSource, name: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await from.read(name)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected a rejection, got a result');
}

/** 1,600 builds of one job to list, objects to read (some gzip-encoded), and 60 of all sizes for the fault tests. */
async function writeBucket(root: string): Promise<void> {
  // 1,600 build folders of one job, each with a started.json (plain writes: writeObject per file is slower).
  for (let i = 0; i < BUILDS; i++) {
    const dir = join(root, 'logs', JOB, buildId(i));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'started.json'), JSON.stringify({ timestamp: 1_700_000_000 + i }));
  }
  await writeObject(root, `logs/${JOB}/latest-build.txt`, buildId(BUILDS - 1));

  const add = async (name: string, data: Buffer, gzip = false): Promise<void> => {
    contents.set(name, data);
    await writeObject(root, name, data, gzip ? { contentEncoding: 'gzip' } : {});
  };
  await add('reads/started.json', Buffer.from('{"timestamp":1700000000,"node":"n1"}'));
  await add('reads/build-log.txt', Buffer.from('step 1 passed\n'.repeat(20_000)), true);
  await add('reads/empty.txt', Buffer.alloc(0));
  // The check input of CRC-32C and MD5 (RFC 3720 B.4 lists CRC-32C test vectors; 0xE3069283 is its "123456789" value).
  await add('checks/123456789.txt', Buffer.from('123456789'));
  await add('reads/unicode ü name #1.txt', Buffer.from('odd names survive encoding'));
  for (let i = 0; i < 60; i++) {
    // Sizes from 0 to ~300 KB, a third gzip-encoded (random data: compressed size ≈ size).
    await add(`faulty/${String(i).padStart(2, '0')}.bin`, randomBytes(i * 5000), i % 3 === 0);
  }
  await add('big/junit.xml', Buffer.from('<testcase name="x"/>\n'.repeat(60_000)), true);
  await add('big/raw.bin', randomBytes(1_200_000));
}

const gcs = useGcsTestServer({ fill: writeBucket, sourceDefaults: { baseDelayMs: 1, maxDelayMs: 20, random: () => 0.5 }, timeoutMs: 120_000 });

afterEach(() => vi.unstubAllEnvs());

describe.each([
  ['apiEndpoint', () => gcs.source()],
  [
    'STORAGE_EMULATOR_HOST',
    () => {
      vi.stubEnv('STORAGE_EMULATOR_HOST', gcs.server.url);
      return gcs.source({ endpoint: undefined });
    },
  ],
  [
    'STORAGE_EMULATOR_HOST without scheme',
    () => {
      vi.stubEnv('STORAGE_EMULATOR_HOST', `127.0.0.1:${gcs.server.port}`);
      return gcs.source({ endpoint: undefined });
    },
  ],
])('through %s', (style, make) => {
  const expectedStyle = style === 'apiEndpoint' ? 'api' : 'emulator';

  it(`lists ${BUILDS} build folders of one job in pages of 500: all found, no duplicates`, async () => {
    const from = make();
    const prefixes: string[] = [];
    const objects: string[] = [];
    let pages = 0;
    for await (const page of listAll(from, `logs/${JOB}/`, { delimiter: '/', maxResults: 500 })) {
      pages++;
      prefixes.push(...page.prefixes);
      objects.push(...page.objects.map((object) => object.name));
    }
    // 1,600 prefixes + latest-build.txt = 1,601 entries: 4 pages of up to 500.
    expect(pages).toBe(4);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(prefixes.sort()).toEqual(Array.from({ length: BUILDS }, (_, i) => `logs/${JOB}/${buildId(i)}/`).sort());
    expect(objects).toEqual([`logs/${JOB}/latest-build.txt`]);
    expect(gcs.server.stats.requests.list).toBe(4);
    expect(gcs.server.stats.pathStyles[expectedStyle]).toBe(4);
  });

  it('reads plain and gzip-encoded objects: decoded bytes identical', async () => {
    const from = make();
    for (const name of ['reads/started.json', 'reads/build-log.txt', 'reads/empty.txt', 'reads/unicode ü name #1.txt']) {
      expect((await readBytes(from, name)).equals(contents.get(name)!), name).toBe(true);
    }
    expect(gcs.server.stats.gzipServed).toBe(1);
    expect(gcs.server.stats.pathStyles[expectedStyle]).toBe(4);
    expect(gcs.server.stats.withAuthorization).toBe(0);
  });

  it('reports a missing object as SourceError not-found naming it', async () => {
    const error = await rejection(readBytes(make(), 'reads/missing.json'));
    expect(error.kind).toBe('not-found');
    expect(error.object).toBe('reads/missing.json');
    expect(error.message).toContain('reads/missing.json');
    // 404 is final: one request, no retries.
    expect(gcs.server.stats.requests.media).toBe(1);
  });
});

describe('listing', () => {
  it('maps object info: bucket-relative name, numeric size, updated, contentEncoding, generation', async () => {
    const page = await gcs.source().list('reads/');
    const log = page.objects.find((object) => object.name === 'reads/build-log.txt');
    expect(log).toMatchObject({ contentEncoding: 'gzip' });
    expect(log!.size).toBeGreaterThan(0);
    expect(log!.size).toBeLessThan(contents.get('reads/build-log.txt')!.length);
    expect(Date.parse(log!.updated!)).not.toBeNaN();
    expect(page.objects.find((object) => object.name === 'reads/started.json')).toEqual({
      name: 'reads/started.json',
      size: contents.get('reads/started.json')!.length,
      updated: expect.any(String),
      generation: expect.stringMatching(/^\d+$/),
    });
    expect(page.nextPageToken).toBeUndefined();
  });

  it('honours startOffset', async () => {
    const page = await gcs.source().list(`logs/${JOB}/`, { delimiter: '/', startOffset: `logs/${JOB}/${buildId(BUILDS - 2)}/` });
    expect(page.prefixes).toEqual([`logs/${JOB}/${buildId(BUILDS - 2)}/`, `logs/${JOB}/${buildId(BUILDS - 1)}/`]);
  });

  it('with a source prefix, takes and returns names relative to it', async () => {
    const from = gcs.source({ prefix: 'reads' });
    expect(from.description).toContain(`gs://${BUCKET}/reads/`);
    const page = await from.list('', { delimiter: '/' });
    expect(page.objects.map((object) => object.name)).toContain('started.json');
    expect((await readBytes(from, 'started.json')).equals(contents.get('reads/started.json')!)).toBe(true);
  });

  it('retries listing faults, then still pages correctly', async () => {
    gcs.server.setFaults({ probability: 0.3, seed: 5, kinds: ['429', '503', 'reset', 'truncate'], requestKinds: ['list'] });
    const retries: GcsRetryInfo[] = [];
    const from = gcs.source({ retries: 8, onRetry: (info) => retries.push(info) });
    const prefixes: string[] = [];
    for await (const page of listAll(from, `logs/${JOB}/`, { delimiter: '/', maxResults: 200 })) prefixes.push(...page.prefixes);
    expect(new Set(prefixes).size).toBe(BUILDS);
    expect(gcs.server.stats.faults.total).toBeGreaterThan(0);
    expect(retries.length).toBe(gcs.server.stats.faults.total);
    expect(retries.every((info) => info.operation === 'list' && info.object === `logs/${JOB}/`)).toBe(true);
  });

  it('reports a missing bucket as not-found', async () => {
    const error = await rejection(createGcsSource({ bucket: 'no-such-bucket', endpoint: gcs.server.url }).list('logs/'));
    expect(error.kind).toBe('not-found');
    expect(error.message).toMatch(/bucket does not exist/);
  });
});

describe('faults', () => {
  it('reads every object correctly with ~20 % of requests failing (429, 503, reset, truncated)', async () => {
    gcs.server.setFaults({ probability: 0.2, seed: 11, kinds: ['429', '503', 'reset', 'truncate'] });
    const retries: GcsRetryInfo[] = [];
    const from = gcs.source({ retries: 8, concurrency: 16, onRetry: (info) => retries.push(info) });
    const names = [...contents.keys()].filter((name) => name.startsWith('faulty/'));
    const results = await Promise.all(names.map(async (name) => [name, await readBytes(from, name)] as const));
    for (const [name, bytes] of results) expect(bytes.equals(contents.get(name)!), name).toBe(true);

    const { faults, requests } = gcs.server.stats;
    expect(faults['429']).toBeGreaterThan(0);
    expect(faults['503']).toBeGreaterThan(0);
    expect(faults.reset).toBeGreaterThan(0);
    expect(faults.truncate).toBeGreaterThan(0);
    // One retry per injected fault, none more: a failure must not take other downloads down with it.
    expect(retries.length).toBe(faults.total);
    expect(requests.media).toBe(names.length + faults.total);
    expect(new Set(retries.map((info) => info.reason))).toEqual(new Set(['rate-limited', 'server-error', 'connection', 'truncated']));
  });

  it('gives up on a permanently broken object after the retry budget: SourceError fetch naming it', async () => {
    gcs.server.setFaults({ brokenObjects: ['reads/started.json'] });
    const retries: GcsRetryInfo[] = [];
    const error = await rejection(readBytes(gcs.source({ retries: 3, onRetry: (info) => retries.push(info) }), 'reads/started.json'));
    expect(error.kind).toBe('fetch');
    expect(error.object).toBe('reads/started.json');
    expect(error.message).toContain(`gs://${BUCKET}/reads/started.json`);
    expect(error.message).toMatch(/failed 4 times.*HTTP 503/);
    expect(gcs.server.stats.mediaByObject.get('reads/started.json')).toBe(4);
    expect(retries.map((info) => info.attempt)).toEqual([1, 2, 3]);
    expect(retries.every((info) => info.reason === 'server-error')).toBe(true);
  });

  it('times out a slow response and retries it', async () => {
    // A timeout well above a loaded machine's answer on loopback (a CI runner's can take a few hundred ms), far below the stall.
    gcs.server.setFaults(({ kind, attempt }) => (kind === 'media' && attempt === 1 ? { kind: 'slow', delayMs: 5000 } : undefined));
    const retries: GcsRetryInfo[] = [];
    const started = Date.now();
    const bytes = await readBytes(gcs.source({ requestTimeoutMs: 1000, onRetry: (info) => retries.push(info) }), 'reads/build-log.txt');
    expect(bytes.equals(contents.get('reads/build-log.txt')!)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ operation: 'read', reason: 'timeout', attempt: 1 });
    expect(gcs.server.stats.mediaByObject.get('reads/build-log.txt')).toBe(2);
  });

  it('times out a response that stalls mid-body, and a slow listing', async () => {
    gcs.server.setFaults(({ attempt }) => (attempt === 1 ? { kind: 'slow', delayMs: 5000, phase: 'body' } : undefined));
    const retries: GcsRetryInfo[] = [];
    const from = gcs.source({ requestTimeoutMs: 1000, onRetry: (info) => retries.push(info) });
    expect((await readBytes(from, 'reads/build-log.txt')).equals(contents.get('reads/build-log.txt')!)).toBe(true);
    expect((await from.list('reads/')).objects.length).toBe(4);
    expect(retries.map((info) => `${info.operation}:${info.reason}`)).toEqual(['read:timeout', 'list:timeout']);
  });

  it('fails with SourceError timeout when every attempt is too slow', async () => {
    gcs.server.setFaults(() => ({ kind: 'slow', delayMs: 1000 }));
    const error = await rejection(readBytes(gcs.source({ requestTimeoutMs: 100, retries: 1 }), 'reads/started.json'));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/no answer within 100 ms/);
  });

  it('gives up at the overall deadline with SourceError timeout', async () => {
    gcs.server.setFaults({ brokenObjects: ['reads/started.json'] });
    const pastDeadline = await rejection(readBytes(gcs.source({ deadline: Date.now() - 1 }), 'reads/started.json'));
    expect(pastDeadline.kind).toBe('timeout');
    expect(pastDeadline.message).toMatch(/deadline/);
    expect(gcs.server.stats.requests.total).toBe(0);

    // Backoff of ~1 s per retry cannot fit into a 300 ms deadline: it stops early instead of sleeping past it.
    const started = Date.now();
    const error = await rejection(
      readBytes(gcs.source({ deadline: Date.now() + 300, retries: 10, baseDelayMs: 1000, maxDelayMs: 1000 }), 'reads/started.json'),
    );
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(300);
  });
});

describe('large objects', () => {
  it('streams objects beyond the buffer limit, gzip-encoded or not', async () => {
    const from = gcs.source({ bufferLimitBytes: 64 * 1024 });
    for (const name of ['big/junit.xml', 'big/raw.bin']) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of await from.read(name)) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).equals(contents.get(name)!), name).toBe(true);
    }
  });

  it('retries a failure before the limit is reached, but reports one after handing bytes out', async () => {
    // The truncation cuts at half the object (600 KB): beyond a 64 KB limit, inside an 8 MB one.
    gcs.server.setFaults(({ kind, attempt }) => (kind === 'media' && attempt === 1 ? { kind: 'truncate' } : undefined));
    expect((await readBytes(gcs.source(), 'big/raw.bin')).equals(contents.get('big/raw.bin')!)).toBe(true);
    expect(gcs.server.stats.mediaByObject.get('big/raw.bin')).toBe(2);

    gcs.server.setFaults(({ kind, attempt }) => (kind === 'media' && attempt === 1 ? { kind: 'truncate' } : undefined));
    const small = gcs.source({ bufferLimitBytes: 64 * 1024 });
    const error = await rejection(readBytes(small, 'big/raw.bin'));
    expect(error.kind).toBe('fetch');
    expect(error.message).toMatch(/after \d+ bytes had been delivered.*read the object again/);
    // The caller's re-read succeeds.
    expect((await readBytes(small, 'big/raw.bin')).equals(contents.get('big/raw.bin')!)).toBe(true);
  });

  it('releases the connection when the consumer stops early', async () => {
    const from = gcs.source({ bufferLimitBytes: 16 * 1024 });
    for await (const chunk of await from.read('big/raw.bin')) {
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    expect((await readText(from, 'reads/started.json')).length).toBeGreaterThan(0);
  });
});

describe('names and options', () => {
  it('rejects unusable object names with SourceError invalid-name', async () => {
    const from = gcs.source();
    for (const name of ['', '/abs.txt', 'a/../b', 'x\ny']) {
      const error = await rejection(Promise.resolve().then(() => from.read(name)));
      expect(error.kind).toBe('invalid-name');
    }
    expect((await rejection(from.list('a/./b/'))).kind).toBe('invalid-name');
    expect(gcs.server.stats.requests.total).toBe(0);
  });

  it('rejects bad options with a message naming the option', () => {
    expect(() => createGcsSource({ bucket: 'Bad_Bucket' })).toThrow(/bucket name "Bad_Bucket"/);
    expect(() => createGcsSource({ bucket: BUCKET, concurrency: 0 })).toThrow(/concurrency must be a positive number/);
    expect(() => createGcsSource({ bucket: BUCKET, retries: 1.5 })).toThrow(/retries must be a whole number/);
    expect(() => createGcsSource({ bucket: BUCKET, endpoint: 'ftp://host' })).toThrow(/must use http or https/);
  });

  it('prefers an explicit endpoint over STORAGE_EMULATOR_HOST', async () => {
    // Port 9 on loopback (discard): nothing listens there, so a request sent to it would fail.
    vi.stubEnv('STORAGE_EMULATOR_HOST', 'http://127.0.0.1:9');
    expect(await readText(gcs.source(), 'reads/started.json')).toBe(contents.get('reads/started.json')!.toString());
    expect(gcs.server.stats.pathStyles.api).toBe(1);
  });

  it('refuses new calls after close()', async () => {
    const from = gcs.source();
    await from.close?.();
    const error = await rejection(Promise.resolve().then(() => from.read('reads/started.json')));
    expect(error.message).toMatch(/was closed/);
  });

  it('says which stored checksum a read was checked against: crc32c by default, md5 when asked, none when off', async () => {
    const served = async (from: BucketSource, name: string): Promise<{ checksum?: string; generation?: string }> => {
      const bytes = await from.read(name);
      for await (const _ of bytes);
      return { checksum: bytes.checksum, generation: bytes.generation };
    };
    const metadata = async (name: string) =>
      (await (await fetch(`${gcs.server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}`)).json()) as { crc32c: string; generation: string };
    // CRC-32C of "123456789" is 0xE3069283, stored big-endian in base64 as GCS does; its MD5 is 25f9e794….
    const { generation } = await metadata('checks/123456789.txt');
    expect(await served(gcs.source(), 'checks/123456789.txt')).toEqual({ checksum: 'crc32c:4waSgw==', generation });
    expect(await served(gcs.source({ validation: 'md5' }), 'checks/123456789.txt')).toEqual({ checksum: 'md5:JfnnlDI7RTiF9RgfG2JNCw==', generation });
    expect(await served(gcs.source({ validation: false }), 'checks/123456789.txt')).toEqual({});
    // A gzip-encoded object is checked, and named, by the checksum of its stored (compressed) bytes.
    const log = await metadata('reads/build-log.txt');
    expect(await served(gcs.source(), 'reads/build-log.txt')).toEqual({ checksum: `crc32c:${log.crc32c}`, generation: log.generation });
    // An object larger than the source buffers is streamed and checked only at its end, which a reader that stops
    // early never reaches: no checksum is offered for it.
    expect(await served(gcs.source({ bufferLimitBytes: 16 * 1024 }), 'reads/build-log.txt')).toEqual({});
  });

  it('describes itself as a gs:// URL', () => {
    expect(createGcsSource({ bucket: BUCKET, auth: 'anonymous' }).description).toBe(`gs://${BUCKET}`);
    expect(gcs.source().description).toBe(`gs://${BUCKET} (via ${gcs.server.url})`);
    expect(gcs.source().bucket).toBe(BUCKET);
  });
});

describe('parseGsUrl', () => {
  it('splits bucket and prefix, adding the trailing slash', () => {
    expect(parseGsUrl('gs://test-platform-results')).toEqual({ bucket: 'test-platform-results', prefix: '' });
    expect(parseGsUrl('gs://test-platform-results/')).toEqual({ bucket: 'test-platform-results', prefix: '' });
    expect(parseGsUrl('gs://kubernetes-ci-logs/logs')).toEqual({ bucket: 'kubernetes-ci-logs', prefix: 'logs/' });
    expect(parseGsUrl('gs://origin-ci-test/pr-logs/pull/')).toEqual({ bucket: 'origin-ci-test', prefix: 'pr-logs/pull/' });
    expect(parseGsUrl('gs://my.bucket.example.com/a')).toEqual({ bucket: 'my.bucket.example.com', prefix: 'a/' });
  });

  it.each([
    ['test-platform-results/logs', /not a gs:\/\/ URL/],
    ['https://storage.googleapis.com/b/o', /not a gs:\/\/ URL/],
    ['gs://', /is empty/],
    ['gs:///logs', /is empty/],
    ['gs://Test-Platform', /lower-case/],
    ['gs://ab', /3 to 63/],
    ['gs://-bucket', /start and end/],
    ['gs://192.168.1.1', /IP address/],
    ['gs://bucket/logs//x', /empty path segment/],
    ['gs://bucket/logs/../x', /'\.' and '\.\.'/],
    ['gs://bucket/a b', /whitespace/],
    ['gs://bucket/a?x=1', /'\?'/],
  ])('rejects %s', (url, message) => {
    expect(() => parseGsUrl(url)).toThrow(message);
  });
});

describe('credentials', () => {
  it("detects ADC from GOOGLE_APPLICATION_CREDENTIALS or gcloud's well-known file, without network", async () => {
    const base = gcs.tempDir('ratchet-adc-');
    const home = join(base, 'home');
    expect(hasApplicationDefaultCredentials({}, home)).toBe(false);
    expect(hasApplicationDefaultCredentials({ GOOGLE_APPLICATION_CREDENTIALS: '/x/key.json' }, home)).toBe(true);
    await writeObject(home, '.config/gcloud/application_default_credentials.json', '{}');
    expect(hasApplicationDefaultCredentials({}, home)).toBe(true);
    expect(hasApplicationDefaultCredentials({ CLOUDSDK_CONFIG: join(base, 'nowhere') }, home)).toBe(false);
  });

  it('anonymous access: the client with a PassThroughClient goes through its auth path and sends no Authorization', async () => {
    // Our sources skip auth for custom endpoints; here the client is forced through authorizeRequest, as it
    // is against the real GCS, to show the anonymous client yields no credentials and needs none.
    const storage = new Storage({
      apiEndpoint: gcs.server.url,
      useAuthWithCustomEndpoint: true,
      authClient: new PassThroughClient(),
      retryOptions: { autoRetry: false },
    });
    const [contentsRead] = await storage.bucket(BUCKET).file('reads/started.json').download();
    expect(contentsRead.equals(contents.get('reads/started.json')!)).toBe(true);
    expect(gcs.server.stats.withAuthorization).toBe(0);
  });
});
