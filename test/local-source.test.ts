/** The local-directory source lists and reads like a bucket, and refuses names that escape it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalSource } from '../src/source/local-source.ts';
import { listAll, readText, SourceError, type BucketSource } from '../src/source/source.ts';
import { tempDir } from './support/prow-tree.ts';
import { writeObject } from './support/gcs-test-server.ts';

describe('local source', () => {
  let root: string;
  let source: BucketSource;

  beforeAll(() => {
    root = tempDir();
    for (let i = 0; i < 25; i++) {
      const dir = path.join(root, 'logs', 'job-a', String(1000 + i));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'started.json'), `{"timestamp": ${i}}`);
    }
    writeFileSync(path.join(root, 'logs', 'job-a', 'latest-build.txt'), '1024');
    mkdirSync(path.join(root, 'logs', 'job-b', '7', 'artifacts', 'x'), { recursive: true });
    writeFileSync(path.join(root, 'logs', 'job-b', '7', 'artifacts', 'x', 'junit.xml'), '<testsuite/>');
    source = createLocalSource(root, { bucket: 'my-bucket' });
  });

  it('lists sub-prefixes and objects with a delimiter, in name order', async () => {
    const page = await source.list('logs/', { delimiter: '/' });
    expect(page.prefixes).toEqual(['logs/job-a/', 'logs/job-b/']);
    expect(page.objects).toEqual([]);
    const builds = await source.list('logs/job-a/', { delimiter: '/' });
    expect(builds.prefixes).toHaveLength(25);
    expect(builds.objects.map((o) => o.name)).toEqual(['logs/job-a/latest-build.txt']);
  });

  it('pages with maxResults and pageToken without losing or repeating entries', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of listAll(source, 'logs/job-a/', { delimiter: '/', maxResults: 7 })) {
      pages++;
      seen.push(...page.prefixes, ...page.objects.map((o) => o.name));
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(26);
  });

  it('lists recursively without a delimiter and honours a partial-name prefix', async () => {
    const page = await source.list('logs/job-b/');
    expect(page.objects.map((o) => o.name)).toEqual(['logs/job-b/7/artifacts/x/junit.xml']);
    const partial = await source.list('logs/job-', { delimiter: '/' });
    expect(partial.prefixes).toEqual(['logs/job-a/', 'logs/job-b/']);
  });

  it('reads objects and reports missing ones as not-found', async () => {
    expect(await readText(source, 'logs/job-a/1003/started.json')).toBe('{"timestamp": 3}');
    await expect(readText(source, 'logs/job-a/9999/started.json')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('refuses names that would escape the directory', async () => {
    await expect(readText(source, '../etc/passwd')).rejects.toBeInstanceOf(SourceError);
    await expect(readText(source, 'logs/../../x')).rejects.toMatchObject({ kind: 'invalid-name' });
    await expect(readText(source, '/etc/passwd')).rejects.toMatchObject({ kind: 'invalid-name' });
  });

  it('rejects a missing directory with a clear message', () => {
    expect(() => createLocalSource(path.join(root, 'nope'))).toThrow(/does not exist.*--source/);
  });
});

describe("local source: gzip-encoded objects (the test server's sidecar convention)", () => {
  let root: string;
  let source: BucketSource;
  const log = 'step 1 passed\n'.repeat(5000);

  beforeAll(async () => {
    root = tempDir();
    await writeObject(root, 'logs/job/1/build-log.txt', log, { contentEncoding: 'gzip' });
    await writeObject(root, 'logs/job/1/started.json', '{"timestamp": 1}');
    // A .gz object that is NOT content-encoded (a tarball): read as stored.
    await writeObject(root, 'logs/job/1/artifacts/dump.tar.gz', gzipSync('tar bytes'));
    // Damaged: claims gzip, holds a cut-off gzip stream.
    mkdirSync(path.join(root, 'logs/job/2'), { recursive: true });
    writeFileSync(path.join(root, 'logs/job/2/junit.xml'), gzipSync('<testsuite/>'.repeat(1000)).subarray(0, 40));
    writeFileSync(path.join(root, 'logs/job/2/junit.xml.gcsmeta.json'), JSON.stringify({ contentEncoding: 'gzip' }));
    writeFileSync(path.join(root, 'logs/job/2/finished.json'), '{}');
    writeFileSync(path.join(root, 'logs/job/2/finished.json.gcsmeta.json'), '{not json');
    source = createLocalSource(root);
  });

  it('hides sidecars from listings and reports the stored size and encoding', async () => {
    const shallow = await source.list('logs/job/1/', { delimiter: '/' });
    expect(shallow.objects.map((o) => o.name)).toEqual(['logs/job/1/build-log.txt', 'logs/job/1/started.json']);
    const logInfo = shallow.objects[0]!;
    expect(logInfo.contentEncoding).toBe('gzip');
    // Stored (compressed) size, as GCS reports it.
    expect(logInfo.size).toBe(gzipSync(log).length);
    expect(shallow.objects[1]!.contentEncoding).toBeUndefined();
    const deep = await source.list('logs/');
    expect(deep.objects.map((o) => o.name).filter((n) => n.endsWith('.gcsmeta.json'))).toEqual([]);
    expect(deep.objects).toHaveLength(5);
  });

  it('reads gzip-encoded objects decoded, and other .gz objects as stored', async () => {
    expect(await readText(source, 'logs/job/1/build-log.txt')).toBe(log);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await source.read('logs/job/1/artifacts/dump.tar.gz')) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(gzipSync('tar bytes'))).toBe(true);
  });

  it('refuses to read a sidecar as an object', async () => {
    await expect(readText(source, 'logs/job/1/build-log.txt.gcsmeta.json')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('fails a damaged gzip object or sidecar with SourceError fetch naming the object', async () => {
    const cut = await readText(source, 'logs/job/2/junit.xml').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(cut).toBeInstanceOf(SourceError);
    expect(cut).toMatchObject({ kind: 'fetch', object: 'logs/job/2/junit.xml' });
    expect((cut as Error).message).toMatch(/gzip data is damaged or cut short/);
    await expect(readText(source, 'logs/job/2/finished.json')).rejects.toMatchObject({
      kind: 'fetch',
      message: expect.stringMatching(/sidecar finished\.json\.gcsmeta\.json is not valid JSON.*fix or delete it/),
    });
  });
});
